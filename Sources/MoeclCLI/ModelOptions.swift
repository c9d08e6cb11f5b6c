// Options shared by every subcommand that loads the base model.

import ArgumentParser
import Foundation
import TensorCore
import Tokenization
import Transformer

/// `--model` and `--threads`.
public struct ModelOptions: ParsableArguments {
    public static let defaultFolder = "models/all-MiniLM-L6-v2"

    @Option(
        name: .customLong("model"),
        help: ArgumentHelp(
            "Base model folder (config.json, model.safetensors, tokenizer.json or vocab.txt) "
                + "(default: MOECL_MODEL, else models/all-MiniLM-L6-v2).")
    )
    public var modelFlag: String?

    /// The folder in effect: the flag, else MOECL_MODEL, else the default.
    public var model: String {
        modelFlag ?? ProcessInfo.processInfo.environment["MOECL_MODEL"].flatMap { $0.isEmpty ? nil : $0 }
            ?? Self.defaultFolder
    }

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
