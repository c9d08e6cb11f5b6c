// `moecl embed`: sentence embeddings of texts from stdin or --text, one JSON object per line.

import ArgumentParser
import Foundation
import Tokenization
import Transformer

/// Prints `{"embedding": [...], "tokens": N}` for each input text.
public struct EmbedCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Embed texts with the base model (mean pooling), one JSON object per line.",
        discussion: """
            Reads one text per line from standard input (or the --text options) and prints \
            {"embedding": [...], "tokens": N} per text, where N counts the tokens the model saw \
            ([CLS] and [SEP] included, after truncation to the model's maximum length).

            Examples:
              echo "hello world" | moecl embed
              moecl embed --normalize --text "first text" --text "second text"
              moecl embed --task clickbait --text "you are a worthless idiot"   (what clickbait's head reads)

            With --task, the embedding is the task's readout through the bundle's shared and task experts (the \
            vector its head classifies; texts framed by the task's prompt template), not the bare base's.
            """)

    @OptionGroup public var modelOptions: ModelOptions

    @Flag(name: .long, help: "L2-normalise each embedding (as sentence-transformers' Normalize module).")
    public var normalize = false

    @Option(name: .long, help: "A text to embed (repeatable); when given, standard input is not read.")
    public var text: [String] = []

    @Option(name: .long, help: "Texts encoded per forward pass.")
    public var batchSize: Int = 32

    @Option(name: .long, help: "Embed through this task's experts (the head's input) instead of the bare base.")
    public var task: String?

    @OptionGroup public var expertOptions: ExpertOptions

    public init() {}

    public func validate() throws {
        guard (1...4096).contains(batchSize) else { throw ValidationError("--batch-size must be between 1 and 4096") }
    }

    public func run() throws {
        if let task {
            try runThroughExperts(task: task)
            return
        }
        let (tokenizer, encoder) = try modelOptions.load(command: "embed")
        try InputBatches.forEach(texts: text, size: batchSize) { pending in
            let ids = pending.map { tokenizer.encode($0) }
            let vectors = try encoder.pooled(sequences: ids, normalize: normalize)
            var out = ""
            for (v, seq) in zip(vectors, ids) { out += EmbeddingJSON.line(embedding: v, tokens: seq.count) + "\n" }
            FileHandle.standardOutput.write(Data(out.utf8))
        }
    }

    /// `--task`: each text's readout under the task's experts, optionally L2-normalised.
    func runThroughExperts(task: String) throws {
        let base = try modelOptions.loadBase()
        let snapshot = try expertOptions.load(base: base)
        guard snapshot.taskNames.contains(task) else {
            throw ValidationError(
                "--task '\(task)' is not in the bundle (tasks: \(snapshot.taskNames.joined(separator: ", ")))")
        }
        try InputBatches.forEach(texts: text, size: batchSize) { pending in
            let ids = pending.map { snapshot.encode($0, task: task).ids }
            let vectors = try snapshot.representations(
                sequences: ids, tasks: Array(repeating: task, count: ids.count))
            var out = ""
            for (v, seq) in zip(vectors, ids) {
                let norm = normalize ? max(1e-12, v.reduce(0) { $0 + $1 * $1 }.squareRoot()) : 1
                out += EmbeddingJSON.line(embedding: v.map { $0 / norm }, tokens: seq.count) + "\n"
            }
            FileHandle.standardOutput.write(Data(out.utf8))
        }
    }
}
