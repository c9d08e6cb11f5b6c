// `moecl-bench train`: the full MoE-CL training step (forward, backward, AdamW) on one batch of real texts.

import ArgumentParser
import Foundation
import TensorCore
import Tokenization
import Training
import Transformer

/// Times training steps of MoE-CL (shared + task expert, gate, discriminators with λ, dropout 0.05) on the first
/// `--batch` texts of a JSONL file, labelled alternately 0/1, plus `--replay` texts of an earlier task.
/// The last line of stdout is JSON: `{"examples", "tokens", "step_ms": [...], "median_ms"}`.
public struct TrainBenchCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Time the MoE-CL training step on one batch (used by scripts/bench/train_bench.py).")

    @OptionGroup public var modelOptions: ModelOptions

    @Option(help: "JSONL file with a \"text\" field per line.")
    public var texts: String

    @Option(help: "Labelled texts per step (the first N of the file).")
    public var batch: Int = 32

    @Option(help: "Unlabelled texts of an earlier task per step (for the discriminator).")
    public var replay: Int = 0

    @Option(help: "Longest sequence in tokens; longer texts are truncated.")
    public var maxTokens: Int = 128

    @Option(help: "Untimed warm-up steps.")
    public var warmup: Int = 2

    @Option(help: "Timed steps.")
    public var steps: Int = 10

    @Option(help: "λ of the reversed discriminator loss.")
    public var adversarialWeight: Float = 0.1

    public init() {}

    public func run() throws {
        let base = try modelOptions.loadBase(maxTokens: maxTokens)
        let inputs = try BenchTexts.read(texts, count: batch + replay).map {
            base.encode($0, template: base.defaultPromptTemplate, truncate: true)
        }
        let model = ContinualModel(backbone: base.backbone, mixing: .gated, seed: 1)
        model.addTask(name: "old", labels: ["compliant", "violating"], compliantLabel: "compliant", seed: 2)
        let t = model.addTask(name: "new", labels: ["compliant", "violating"], compliantLabel: "compliant", seed: 3)
        let batchData = TrainingBatch(
            sequences: Array(inputs.prefix(batch)) + Array(inputs.dropFirst(batch)),
            tasks: [Int](repeating: t, count: batch) + [Int](repeating: 0, count: replay),
            labels: (0..<batch).map { $0 % 2 } + [Int?](repeating: nil, count: replay))
        let trainable = model.trainableParameters(task: t, adversarial: adversarialWeight > 0)
        var optimizer = AdamW()
        let workspace = TrainingWorkspace()
        var times: [Double] = []
        for i in 0..<(warmup + steps) {
            let start = DispatchTime.now().uptimeNanoseconds
            for p in trainable { p.zeroGradient() }
            _ = model.step(
                batchData,
                settings: StepSettings(
                    trainTask: t, dropout: 0.05,
                    adversarialWeight: adversarialWeight, seed: 1, step: i),
                workspace: workspace)
            optimizer.beginStep()
            for p in trainable { optimizer.update(p) }
            let ms = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
            if i >= warmup { times.append(ms) }
        }
        let sorted = times.sorted()
        let median = sorted.isEmpty ? 0 : sorted[sorted.count / 2]
        print(
            "{\"examples\":\(batch),\"replay\":\(replay),\"tokens\":\(batchData.packed.tokenCount),"
                + "\"step_ms\":[\(times.map { String(format: "%.3f", $0) }.joined(separator: ","))],"
                + "\"median_ms\":\(String(format: "%.3f", median))}")
    }
}
