// The root command of the moecl-bench executable.

import ArgumentParser

/// `moecl-bench`: timing tools; never run by `swift test`.
public struct BenchCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "moecl-bench", abstract: "Timing tools for moecl (see make bench-encoder, make bench-moe).",
        subcommands: [EncoderBenchCommand.self, MoEBenchCommand.self, ExpertsWriteBenchCommand.self, ExpertsLoadBenchCommand.self,
                      TrainBenchCommand.self, EngineBenchCommand.self])

    public init() {}
}

