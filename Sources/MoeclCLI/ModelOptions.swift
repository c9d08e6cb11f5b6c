// Options shared by every subcommand that loads the base model.

import ArgumentParser
import Foundation
import TensorCore
import Tokenization
import Transformer

/// `--model` and `--threads`.
public struct ModelOptions: ParsableArguments {
    @Option(name: .long, help: "Base model folder (config.json, model.safetensors, tokenizer.json or vocab.txt).")
    public var model: String = ProcessInfo.processInfo.environment["MOECL_MODEL"] ?? "models/all-MiniLM-L6-v2"

    @Option(name: .long, help: "Compute threads (default: MOECL_THREADS, else the number of cores).")
    public var threads: Int?

    public init() {}

    public func validate() throws {
        if let threads, threads < 1 || threads > 256 {
            throw ValidationError("--threads must be between 1 and 256, got \(threads)")
        }
    }

    /// Configures the threads and loads the tokenizer and the encoder, with clear errors.
    public func load() throws -> (BertTokenizer, BertEncoder) {
        BLASRuntime.configure(threads: Launcher.threadCount(flag: threads))
        let encoder = try BertEncoder.load(folder: model)
        let tokenizer = try BertTokenizer.load(folder: model)
        return (tokenizer.withMaxLength(min(tokenizer.maxLength, encoder.config.maxPositionEmbeddings)), encoder)
    }
}
