// `moecl bench decoder`: times text → last-token hidden state of the Llama decoder for one batch.

import ArgumentParser
import Foundation
import ModelFormats
import TensorCore
import Tokenization
import Transformer

/// Times tokenisation plus the decoder forward (every token through every block, the final norm) of the first
/// `--batch` texts of a JSONL file, packed without padding. The last line of stdout is JSON:
/// `{"median_ms": x, "times_ms": [...], "tokens": N, "core": "..."}`. `--precision int8` runs the projections on
/// `Int8Matrix` (quantised at load).
public struct DecoderBenchCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "decoder",
        abstract: "Time text → last-token hidden state of a GGUF Llama decoder (scripts/bench/decoder_bench.py).")

    @Option(help: "GGUF file of a Llama-architecture model.")
    public var gguf: String = "models/SmolLM2-135M-Instruct/SmolLM2-135M-Instruct.Q4_1.gguf"
    @Option(help: "JSONL file with a \"text\" field per line.")
    public var texts: String
    @Option(help: "Texts per batch (the first N of the file).")
    public var batch: Int = 32
    @Option(help: "Untimed warm-up runs.")
    public var warmup: Int = 2
    @Option(help: "Timed runs.")
    public var runs: Int = 10
    @Option(help: "Compute threads (default: the number of cores).")
    public var threads: Int?
    @Option(help: "Arithmetic of the projections: fp32 (OpenBLAS on the dequantised weights) or int8.")
    public var precision: Precision = .fp32

    public init() {}

    public func run() throws {
        BLASRuntime.configure(threads: Launcher.threadCount(flag: threads))
        let file = try GGUFFile(path: gguf)
        let tokenizer = try ByteLevelBPETokenizer.fromGGUF(file, maxLength: 256)
        let decoder = try LlamaDecoder.load(gguf: file).with(precision: precision)
        let inputs = try BenchTexts.read(texts, count: batch)
        print(
            try BenchTimer.timedRunsJSON(warmup: warmup, runs: runs) {
                let ids = inputs.map { tokenizer.encode($0) }.map { $0.isEmpty ? [tokenizer.padId] : $0 }
                _ = try decoder.lastHiddenStates(PackedBatch(sequences: ids))
                return ids.reduce(0) { $0 + $1.count }
            })
    }
}
