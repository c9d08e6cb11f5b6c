// `moecl bench`: the timing tools behind make bench-* and make loadtest; never run by `swift test`.

import ArgumentParser

/// `moecl bench <tool>`: encoder, decoder, moe, experts-write, experts-load, train, engine.
public struct BenchGroupCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract:
            "Timing tools: encoder, decoder, moe, experts-write, experts-load, train, engine "
            + "(make bench-* and make loadtest drive them).",
        discussion: """
            Examples:
              moecl bench engine --texts ../shared/data/moderation-en/sms-spam/test.jsonl --batch 32
              moecl bench moe --texts ../shared/data/moderation-en/sms-spam/test.jsonl --batch 8
            """,
        subcommands: [
            EncoderBenchCommand.self, DecoderBenchCommand.self, MoEBenchCommand.self, ExpertsWriteBenchCommand.self,
            ExpertsLoadBenchCommand.self,
            TrainBenchCommand.self, EngineBenchCommand.self, GemmBenchCommand.self,
        ])

    public init() {}
}
