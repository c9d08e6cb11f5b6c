// `moecl-bench experts-load`: loading time per task expert, resident memory, and request cost with many experts.

import ArgumentParser
import Foundation
import MoELoRA
import TensorCore
import Tokenization

/// Loads a bundle written by `experts-write` in a fresh process and reports: load time per expert, resident
/// memory growth against the experts' own size, and a batch's time with every expert loaded against a snapshot
/// holding only five of them (interleaved rounds, as `moe`).
/// The last line of stdout is JSON.
public struct ExpertsLoadBenchCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "experts-load", abstract: "Load a bundle of many experts; time, memory, request cost.")

    @OptionGroup public var modelOptions: ModelOptions

    @Option(help: "Bundle folder written by experts-write.")
    public var folder: String

    @Option(help: "JSONL file with a \"text\" field per line (the request batch).")
    public var texts: String

    @Option(help: "Texts per batch.")
    public var batch: Int = 32

    @Option(help: "Timed runs per round and variant.")
    public var runs: Int = 10

    @Option(help: "Rounds.")
    public var rounds: Int = 3

    public init() {}

    public func run() throws {
        let base = try modelOptions.loadBase()
        let tokenizer = base.tokenizer
        let inputs = try BenchTexts.read(texts, count: batch)
        _ = try base.readout(sequences: inputs.map { tokenizer.encode($0) })  // warm the allocator and threads
        let before = ResidentMemory.bytes()
        let start = DispatchTime.now().uptimeNanoseconds
        let all = try ExpertBundle.load(folder: folder, base: base)
        let loadSeconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let after = ResidentMemory.bytes()
        let expertBytes = all.parameterCount * MemoryLayout<Float>.size
        let names = all.taskNames
        let few = try ExpertSnapshot(base: base, shared: all.shared, tasks: names.prefix(5).map { all.tasks[$0]! })
        let tasks = (0..<batch).map { names[$0 % min(5, names.count)] }
        let results = try BenchTimer.interleaved(
            [
                ("5-loaded", { _ = try few.classify(sequences: inputs.map { tokenizer.encode($0) }, tasks: tasks) }),
                ("all-loaded", { _ = try all.classify(sequences: inputs.map { tokenizer.encode($0) }, tasks: tasks) }),
            ], warmup: 2, runs: runs, rounds: rounds)
        let perExpertMs = loadSeconds * 1000 / Double(max(1, names.count))
        print(
            "{\"experts\":\(names.count),\"load_seconds\":\(String(format: "%.3f", loadSeconds)),"
                + "\"load_ms_per_expert\":\(String(format: "%.3f", perExpertMs)),"
                + "\"rss_before_bytes\":\(before),\"rss_after_bytes\":\(after),\"expert_bytes\":\(expertBytes),"
                + "\"variants\":{" + results.map { "\"\($0.name)\":\($0.json)" }.joined(separator: ",") + "}}")
    }
}
