// `moecl bench`: the timing tools of moecl-bench, also reachable from the main binary.

import ArgumentParser

/// `moecl bench <tool>`: the same subcommands as the `moecl-bench` executable.
public struct BenchGroupCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Timing tools: encoder, moe, experts-write, experts-load, train, engine (make bench-* and make loadtest drive them).",
        discussion: """
            Examples:
              moecl bench engine --texts ../shared/data/moderation-en/sms-spam/test.jsonl --batch 32
              moecl bench moe --texts ../shared/data/moderation-en/sms-spam/test.jsonl --batch 8
            """,
        subcommands: BenchCommand.configuration.subcommands)

    public init() {}
}
