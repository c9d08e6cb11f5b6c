// The baseline a user tries first: logistic regression per task on the frozen base's read-out vectors.

import Evaluation
import Foundation
import MoELoRA
import Training

/// Reads every split out of the bare base (mean pooling or the last token of the default prompt), fits a logistic regression per task (L2 chosen on dev), and writes
/// stage records like `SuiteRunner` (each task is independent, so stage i re-scores tasks 0…i).
struct LogisticBaseline {
    let base: BaseModel
    let progress: TrainingProgress
    /// Recorded in run.json: the fit itself is deterministic, but the seed chose any `--task-train-limit` sample.
    var seed: UInt64 = 1

    func run(tasks: [TaskData], folder: String) throws {
        let root = URL(fileURLWithPath: folder)
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        try writeRunFile(tasks: tasks, root: root)
        var evaluations: [TaskEvaluation] = []
        let started = Date()
        for (i, task) in tasks.enumerated() {
            let taskStart = Date()
            let train = try embed(task.train.map(\.text)), dev = try embed(task.dev.map(\.text))
            let test = try embed(task.test.map(\.text))
            let fit = LogisticRegression.select(
                trainFeatures: train, trainLabels: task.train.map(\.label), devFeatures: dev,
                devLabels: task.dev.map(\.label), classes: task.labels.count)
            let compliant = task.labels.contains("compliant") ? "compliant" : nil
            evaluations.append(
                TaskEvaluation(
                    task: task.name, labels: task.labels, compliantLabel: compliant,
                    dev: SplitScores(labels: task.dev.map(\.label), scores: dev.map(fit.model.probabilities)),
                    test: SplitScores(labels: task.test.map(\.label), scores: test.map(fit.model.probabilities))))
            var state = ContinualTrainer.TaskState()
            state.bestDevAccuracy = fit.devAccuracy
            state.seconds = Date().timeIntervalSince(taskStart)
            state.examples = task.train.count
            let record = StageRecord(
                stage: i, task: task.name, method: "logreg", training: state, evaluations: evaluations,
                trainExamples: task.train.count)
            let coder = JSONEncoder()
            coder.outputFormatting = .sortedKeys
            try coder.encode(record).write(to: root.appendingPathComponent("stage-\(i).json"), options: .atomic)
            progress.message(
                String(
                    format: "[%@] logreg l2 %g dev %.4f test %.4f", task.name, fit.l2, fit.devAccuracy,
                    evaluations.last!.test.accuracy))
        }
        progress.message(
            "logreg baseline written to \(folder) in \(TrainingProgress.duration(Date().timeIntervalSince(started)))")
    }

    /// run.json: method, order, seed and training texts per task (as `SuiteRunner` writes for LoRA runs).
    private func writeRunFile(tasks: [TaskData], root: URL) throws {
        struct Run: Encodable {
            let method = "logreg"
            let order: [String]
            let seed: UInt64
            let trainExamples: [Int]
            enum CodingKeys: String, CodingKey {
                case method, order, seed
                case trainExamples = "train_examples"
            }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        try encoder.encode(Run(order: tasks.map(\.name), seed: seed, trainExamples: tasks.map(\.train.count)))
            .write(to: root.appendingPathComponent("run.json"), options: .atomic)
    }

    private func embed(_ texts: [String]) throws -> [[Float]] {
        var result: [[Float]] = []
        var start = 0
        while start < texts.count {
            let chunk = texts[start..<min(texts.count, start + 64)]
            result += try base.readout(
                sequences: chunk.map { base.encode($0, template: base.defaultPromptTemplate, truncate: true) })
            start += 64
        }
        return result
    }
}
