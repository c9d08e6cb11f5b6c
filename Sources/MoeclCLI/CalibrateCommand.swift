// `moecl calibrate`: per-label thresholds of one task expert at a target precision, stored in its metadata.

import ArgumentParser
import Foundation
import Logging
import MoELoRA
import Moderation
import Training

/// Scores a labelled JSONL file with the task's expert, searches the thresholds that maximise the share decided
/// automatically at the target precision (moe-cl.md §4, top-label rule), and writes them, with the expected
/// reject rate and achieved precision, into the task expert's metadata (the bundle in place, or `--out`).
public struct CalibrateCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "calibrate",
        abstract: "Calibrate a task's thresholds to a target precision on labelled data and store them in the bundle.")

    @OptionGroup public var modelOptions: ModelOptions
    @OptionGroup public var expertOptions: ExpertOptions

    @Option(help: "Task whose expert is calibrated.")
    public var task: String
    @Option(help: "JSONL file of {\"text\", \"label\"} lines (a dev split, or reviewed samples; never the test split).")
    public var data: String
    @Option(help: "Required precision of every automatic label, in (0, 1].")
    public var targetPrecision: Double = 0.9
    @Option(
        help:
            "Choose thresholds by the one-sided Clopper-Pearson lower bound of precision at this confidence, in (0, 1) (default: the point estimate)."
    )
    public var confidence: Double?
    @Option(
        help:
            "What the target applies to: 'label' (each label's decisions) or 'decisions' (all automatic decisions together)."
    )
    public var precisionScope: String = PrecisionScope.label.rawValue
    @Option(help: "Write the calibrated bundle here instead of updating it in place.")
    public var out: String?

    public init() {}

    public func validate() throws {
        guard targetPrecision > 0 && targetPrecision <= 1 else {
            throw ValidationError("--target-precision must be in (0, 1], got \(targetPrecision)")
        }
        if let confidence, !(confidence > 0 && confidence < 1) {
            throw ValidationError("--confidence must be in (0, 1), got \(confidence)")
        }
        guard PrecisionScope(rawValue: precisionScope) != nil else {
            throw ValidationError("--precision-scope must be 'label' or 'decisions', got '\(precisionScope)'")
        }
    }

    public func run() throws {
        try expertOptions.checkDefaultFolder()
        let base = try modelOptions.loadBase()
        let snapshot = try expertOptions.load(base: base)
        let expert = try snapshot.task(task)
        let examples = try TaskData.labelled(path: data, labels: expert.labels)
        var samples: [ThresholdCalibrator.Sample] = []
        var start = 0
        while start < examples.count {
            let chunk = examples[start..<min(examples.count, start + 64)]
            let scores = try snapshot.classify(
                sequences: chunk.map { snapshot.encode($0.text, task: task).ids },
                tasks: Array(repeating: task, count: chunk.count))
            samples += zip(scores, chunk).map { ThresholdCalibrator.Sample(scores: $0.scores, label: $1.label) }
            start += 64
        }
        var calibration = ThresholdCalibrator.calibrate(
            samples, labels: expert.labels, targetPrecision: targetPrecision, confidence: confidence,
            scope: PrecisionScope(rawValue: precisionScope) ?? .label, calibratedAt: ExpertMetadata.now())
        calibration.samples = samples.count
        var meta = expert.metadata
        meta.calibration = calibration
        let tasks = snapshot.taskNames.map { $0 == task ? expert.with(metadata: meta) : snapshot.tasks[$0]! }
        let target = out ?? expertOptions.folder.path
        try ExpertBundle.write(shared: snapshot.shared, tasks: tasks, to: target)
        let json = JSONEncoder()
        json.outputFormatting = [.sortedKeys]
        print(String(decoding: try json.encode(calibration), as: UTF8.self))
        let summary = String(
            format: "calibrated '%@' on %d samples at precision %.3f: expected reject rate %.1f %%; written to %@",
            task, samples.count, targetPrecision, 100 * (calibration.expectedRejectRate ?? 0), target)
        Logger(label: "moecl.calibrate").notice("\(summary)")
    }
}
