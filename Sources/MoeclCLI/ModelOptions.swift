// Options shared by every subcommand that loads the base model.

import ArgumentParser
import Foundation
import TensorCore
import Tokenization
import MoELoRA
import Transformer

/// `--model` and `--threads`.
public struct ModelOptions: ParsableArguments {
    public static let defaultFolder = "models/all-MiniLM-L6-v2"

    @Option(
        name: .customLong("model"),
        help: ArgumentHelp(
            "Base model: a BERT or Llama folder (config.json, safetensors weights, tokenizer.json or vocab.txt) "
                + "or a Llama-architecture .gguf file (default: MOECL_MODEL, else models/all-MiniLM-L6-v2).")
    )
    public var modelFlag: String?

    /// The model in effect: the flag, else MOECL_MODEL, else the default.
    public var model: String {
        modelFlag ?? ProcessInfo.processInfo.environment["MOECL_MODEL"].flatMap { $0.isEmpty ? nil : $0 }
            ?? Self.defaultFolder
    }

    @Option(name: .long, help: "Compute threads (default: MOECL_THREADS, else the number of cores).")
    public var threads: Int?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Arithmetic of the base's projections: auto (int8 on a BERT base, fp32 on a Llama base), fp32, or int8 "
                + "(quantised at load; docs/PERFORMANCE.md).",
            valueName: "auto|fp32|int8"))
    public var precision: PrecisionSetting = .auto

    public init() {}

    public func validate() throws {
        if let threads, threads < 1 || threads > 256 {
            throw ValidationError("--threads must be between 1 and 256, got \(threads)")
        }
    }

    /// Configures the threads and loads the base `--model` names (either family), with clear errors; its tokenizer
    /// cut at `maxTokens` when given.
    public func loadBase(maxTokens: Int? = nil) throws -> BaseModel {
        BLASRuntime.configure(threads: Launcher.threadCount(flag: threads))
        return try BaseModel.load(path: model, maxTokens: maxTokens, precision: precision)
    }

    /// The base as a BERT encoder and its WordPiece tokenizer, for the commands that only run on one (`embed`,
    /// the encoder benchmarks).
    public func load(command: String) throws -> (BertTokenizer, BertEncoder) {
        let base = try loadBase()
        guard let encoder = base.encoder, let tokenizer = base.tokenizer as? BertTokenizer else {
            throw ValidationError(
                "\(command) runs on a BERT encoder folder; \(model) is a \(base.shape.family.rawValue) base "
                    + "(pass --model models/all-MiniLM-L6-v2)")
        }
        return (tokenizer, encoder)
    }
}

extension PrecisionSetting: ExpressibleByArgument {}

extension Precision: ExpressibleByArgument {}
