// `moecl-bench moe`: the MoE-CL forward against the bare encoder on the same batch, interleaved in one process.

import ArgumentParser
import Foundation
import ModelFormats
import MoELoRA
import TensorCore
import Tokenization
import Transformer

/// Times text → scores with random rank-8 experts (one task, and tasks mixed in the batch) and text → pooled
/// embedding with the bare encoder, on the first `--batch` texts of a JSONL file. Each round runs every variant
/// (warm-up, then timed runs); a variant's figure is the median of its round medians.
/// The last line of stdout is JSON: `{"tokens": N, "variants": {name: {"median_ms", "round_medians_ms"}}}`.
public struct MoEBenchCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "moe",
        abstract: "Time the MoE-CL forward vs the bare encoder on one batch (used by scripts/bench/moe_bench.py).")

    @OptionGroup public var modelOptions: ModelOptions

    @Option(help: "JSONL file with a \"text\" field per line.")
    public var texts: String

    @Option(help: "Texts per batch (the first N of the file).")
    public var batch: Int = 32

    @Option(help: "Task experts in the snapshot (random, rank 8, alpha 16).")
    public var tasks: Int = 5

    @Option(help: "Untimed warm-up runs per round and variant.")
    public var warmup: Int = 2

    @Option(help: "Timed runs per round and variant.")
    public var runs: Int = 10

    @Option(help: "Rounds (variants interleaved within each round).")
    public var rounds: Int = 3

    public init() {}

    public func run() throws {
        let base = try modelOptions.loadBase()
        let tokenizer = base.tokenizer
        let inputs = try BenchTexts.read(texts, count: batch)
        let experts = (0..<tasks).map { RandomExperts.task(name: "t\($0)", base: base, seed: UInt64(100 + $0)) }
        let snapshot = try ExpertSnapshot(base: base, shared: RandomExperts.shared(base: base, seed: 1), tasks: experts)
        let one = [String](repeating: "t0", count: batch)
        let mixed = (0..<batch).map { "t\($0 % tasks)" }
        let tokens = inputs.reduce(0) { $0 + tokenizer.encode($1).count }
        let variants: [(String, () throws -> Void)] = [
            ("encoder", { _ = try base.readout(sequences: inputs.map { tokenizer.encode($0) }) }),
            ("moe", { _ = try snapshot.classify(sequences: inputs.map { tokenizer.encode($0) }, tasks: one) }),
            ("moe-mixed", { _ = try snapshot.classify(sequences: inputs.map { tokenizer.encode($0) }, tasks: mixed) }),
        ]
        let results = try BenchTimer.interleaved(variants, warmup: warmup, runs: runs, rounds: rounds)
        print(
            "{\"tokens\":\(tokens),\"batch\":\(batch),\"core\":\"\(BLASRuntime.coreName)\",\"variants\":{"
                + results.map { "\"\($0.name)\":\($0.json)" }.joined(separator: ",") + "}}")
    }
}
