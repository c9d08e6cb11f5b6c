// `moecl-bench encoder`: times text → pooled embeddings for one batch, for the side-by-side benchmark driver.

import ArgumentParser
import Foundation
import TensorCore
import Tokenization
import Transformer

/// Times tokenisation plus the encoder forward and pooling of the first `--batch` texts of a JSONL file.
/// The last line of stdout is JSON: `{"median_ms": x, "times_ms": [...], "tokens": N, "core": "..."}`.
public struct EncoderBenchCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "encoder",
        abstract: "Time text → mean-pooled embedding for one batch (used by scripts/bench/encoder_bench.py).")

    @OptionGroup public var modelOptions: ModelOptions

    @Option(help: "JSONL file with a \"text\" field per line.")
    public var texts: String

    @Option(help: "Texts per batch (the first N of the file).")
    public var batch: Int = 32

    @Option(help: "Untimed warm-up runs.")
    public var warmup: Int = 3

    @Option(help: "Timed runs.")
    public var runs: Int = 20

    public init() {}

    public func run() throws {
        let (tokenizer, encoder) = try modelOptions.load(command: "moecl-bench encoder")
        let inputs = try BenchTexts.read(texts, count: batch)
        print(
            try BenchTimer.timedRunsJSON(warmup: warmup, runs: runs) {
                let ids = inputs.map { tokenizer.encode($0) }
                _ = try encoder.pooled(sequences: ids)
                return ids.reduce(0) { $0 + $1.count }
            })
    }
}
