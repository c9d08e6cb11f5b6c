// `moecl classify`: scores texts from stdin or --text under one task's expert, one JSON object per line.

import ArgumentParser
import Foundation
import ModelFormats
import MoELoRA
import Moderation
import TensorCore
import Tokenization

/// Prints `{"task", "version", "label", ["decision",] "scores", "tokens", "truncated"[, "scene"]}` for each input text.
public struct ClassifyCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "classify",
        abstract: "Classify texts with a task expert of a bundle, one JSON object per line.",
        discussion: """
            Reads one text per line from standard input (or the --text options) and prints, per text:
              {"task":"spam","version":1,"label":"violating","decision":"black",
               "scores":{"compliant":0.12,"violating":0.88},"tokens":7,"truncated":false}
            (on one line). "scores" holds one probability per label, in the expert's label order (the order of \
            its head), summing to 1; "label" is the top-scoring label. "decision" (white, black, auto or review) \
            is present only when the task's expert carries calibrated thresholds. "tokens" counts the tokens the \
            model saw ([CLS] and [SEP] included, after truncation); "truncated" says whether the text was longer \
            than the model's maximum length and was cut. "scene" is the in-scene score of an expert fitted with \
            moecl scene-fit; while its guard is on, an out-of-scene text's decision is review, as the service \
            decides it.

            The bundle is --experts, else MOECL_EXPERTS, else experts/default in the current directory. The task \
            is checked before any input is read.

            Examples:
              echo "Free prizes, click now!" | moecl classify --task spam --experts experts/v3
              moecl classify --task topic --text "The match ended 2-1" --text "New GPU announced"
              moecl classify --task spam --form reference < texts.txt > scores.jsonl
            """)

    @OptionGroup public var modelOptions: ModelOptions

    @OptionGroup public var expertOptions: ExpertOptions

    @Option(name: .long, help: "The task whose expert scores the texts (one of the bundle's tasks).")
    public var task: String

    @Option(name: .long, help: "A text to classify (repeatable); when given, standard input is not read.")
    public var text: [String] = []

    @Option(name: .long, help: "Texts encoded per forward pass.")
    public var batchSize: Int = 32

    @Option(
        name: .long, help: "Forward form: efficient (the service's fused kernel) or reference (slower; for checks).")
    public var form: ForwardForm = .efficient

    public init() {}

    public func validate() throws {
        guard (1...4096).contains(batchSize) else { throw ValidationError("--batch-size must be between 1 and 4096") }
        guard !task.isEmpty else { throw ValidationError("--task must name a task of the bundle") }
    }

    public func run() throws {
        try expertOptions.checkDefaultFolder()
        BLASRuntime.configure(threads: Launcher.threadCount(flag: modelOptions.threads))
        let base = try modelOptions.loadBase()
        let snapshot = try expertOptions.load(base: base)
        guard let expert = snapshot.tasks[task] else {
            throw ExpertError.unknownTask(task: task, known: snapshot.taskNames)
        }
        let rule = expert.decisionRule

        try InputBatches.forEach(texts: text, size: batchSize) { pending in
            var sequences: [[Int32]] = []
            var truncated: [Bool] = []
            for text in pending {
                let encoded = snapshot.encode(text, task: task)
                sequences.append(encoded.ids)
                truncated.append(encoded.truncated)
            }
            let tasks = Array(repeating: task, count: sequences.count)
            let results = try snapshot.classify(sequences: sequences, tasks: tasks, form: form)
            var out = ""
            for (i, scores) in results.enumerated() {
                // As the service decides: the enabled scene guard first, then the thresholds.
                let decision = expert.outOfScene(scores.sceneScore) ? .review : rule?.decide(scores.scores)
                out += Self.line(scores, decision: decision, tokens: sequences[i].count, truncated: truncated[i]) + "\n"
            }
            FileHandle.standardOutput.write(Data(out.utf8))
        }
    }

    /// One output line. Keys in a fixed order; the keys of "scores" follow the expert's label order (written by
    /// hand, not sorted); floats in their shortest round-tripping form, non-finite ones as null.
    static func line(_ s: TaskScores, decision: Decision?, tokens: Int, truncated: Bool) -> String {
        var out = "{\"task\":\(jsonString(s.task)),\"version\":\(s.version),\"label\":\(jsonString(s.label))"
        if let decision { out += ",\"decision\":\(jsonString(decision.rawValue))" }
        out += ",\"scores\":{"
        for (i, (label, score)) in zip(s.labels, s.scores).enumerated() {
            if i > 0 { out += "," }
            out += jsonString(label) + ":" + (score.isFinite ? "\(score)" : "null")
        }
        out += "},\"tokens\":\(tokens),\"truncated\":\(truncated)"
        if let scene = s.sceneScore { out += ",\"scene\":" + (scene.isFinite ? "\(scene)" : "null") }
        return out + "}"
    }

    static func jsonString(_ text: String) -> String { JSONString.quoted(text) }
}

/// `--form efficient|reference`.
extension ForwardForm: ExpressibleByArgument {}
