// `moecl train`: a whole task sequence with one method (--suite), or one task added to a bundle (--task).

import ArgumentParser
import Foundation
import MoELoRA
import ModerationApp
import Tokenization
import Training

/// Trains experts. Two forms:
/// - `--suite DIR --order a,b --method M --out RUN`: the sequence, with stage records and checkpoints (`--resume`).
/// - `--task NAME --data DIR --from BUNDLE --out BUNDLE`: adds (or retrains) one task expert on a bundle.
public struct TrainCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "train", abstract: "Train MoE-CL experts (a task sequence, or one task on a bundle).")

    @OptionGroup public var modelOptions: ModelOptions
    @OptionGroup public var flags: TrainingFlags

    @Option(help: "Suite folder (tasks.json and one folder per task with train/dev/test.jsonl).")
    public var suite: String?
    @Option(help: "Task order, comma-separated (default: the suite's tasks.json order).")
    public var order: String?
    @Option(
        help: "Method: moe-cl, moe-cl-no-adversarial, sequential, per-task or logreg (the frozen-embedding baseline).")
    public var method: String = "moe-cl"
    @Option(help: "Task name (single-task form).")
    public var task: String?
    @Option(help: "Folder with the task's train.jsonl and dev.jsonl (single-task form).")
    public var data: String?
    @Option(name: .customLong("from"), help: "Bundle to extend (single-task form).")
    public var from: String?
    @Option(help: "Output: the run folder (--suite) or the new bundle (--task).")
    public var out: String
    @Option(
        help: ArgumentHelp(
            "An earlier task's texts for the discriminator (single-task form; repeatable).",
            valueName: "task=file.jsonl"))
    public var replayData: [String] = []
    @Flag(help: "Continue an interrupted --suite run from its last checkpoint.")
    public var resume = false
    @Option(help: "Target precision of the calibration stored in the written bundle.")
    public var targetPrecision: Double = 0.9
    @Option(
        help: "At most this many training texts per task (--suite; a seeded subsample, the same for every method).")
    public var trainLimit: Int?
    @Option(help: "At most this many dev and this many test texts per task (--suite; a seeded subsample).")
    public var evalLimit: Int?
    @Option(
        help: ArgumentHelp(
            "At most N training texts of TASK (--suite; repeatable): a subsample drawn with --seed, the same for "
                + "every method, nested across N (learning curves).",
            valueName: "task=N"))
    public var taskTrainLimit: [String] = []

    /// The seed of `--train-limit` / `--eval-limit` subsamples: fixed, so every method, seed and base model sees
    /// the same texts.
    static let subsampleSeed: UInt64 = 0x5EED

    public init() {}

    public func validate() throws {
        let suiteForm = suite != nil, taskForm = task != nil || data != nil || from != nil
        guard suiteForm != taskForm else {
            throw ValidationError("give either --suite (a sequence) or --task, --data and --from (one task), not both")
        }
        if !replayData.isEmpty && !taskForm {
            throw ValidationError(
                "--replay-data belongs to the single-task form; a --suite run replays its own earlier tasks")
        }
        for item in replayData where item.split(separator: "=", maxSplits: 1).count != 2 {
            throw ValidationError("--replay-data '\(item)': give TASK=FILE, e.g. sms-spam=data/sms-spam/train.jsonl")
        }
        if taskForm && (task == nil || data == nil || from == nil) {
            throw ValidationError("the single-task form needs --task, --data and --from")
        }
        guard method == "logreg" || TrainingMethod(rawValue: method) != nil else {
            throw ValidationError("--method must be one of \(TrainingMethod.allCases.map(\.rawValue) + ["logreg"])")
        }
        if taskForm && TrainingMethod(rawValue: method)?.mixing != .gated {
            throw ValidationError(
                "the single-task form trains MoE-CL experts: --method moe-cl or moe-cl-no-adversarial")
        }
        for (name, limit) in [("--train-limit", trainLimit), ("--eval-limit", evalLimit)] {
            guard let limit else { continue }
            guard suite != nil else { throw ValidationError("\(name) belongs to the --suite form") }
            guard limit >= 1 else { throw ValidationError("\(name) must be at least 1, got \(limit)") }
        }
        if !taskTrainLimit.isEmpty {
            guard suite != nil else { throw ValidationError("--task-train-limit belongs to the --suite form") }
            _ = try taskTrainLimits()
        }
        guard targetPrecision > 0 && targetPrecision <= 1 else {
            throw ValidationError("--target-precision must be in (0, 1]")
        }
    }

    public func run() throws {
        let base = try modelOptions.loadBase(maxTokens: flags.maxTokens)
        let progress = TrainingProgress(write: LogLineHandler.writer)
        if let suite {
            let limits = try taskTrainLimits()
            let data = try SuiteTasks.load(suite: suite, order: order).map {
                trainLimit == nil && evalLimit == nil
                    ? $0 : $0.subsampled(train: trainLimit, evaluation: evalLimit, seed: Self.subsampleSeed)
            }.map { task in
                limits[task.name].map {
                    task.subsampled(train: $0, evaluation: nil, seed: Self.subsampleSeed ^ flags.seed)
                } ?? task
            }
            if let unknown = Set(limits.keys).subtracting(data.map(\.name)).sorted().first {
                throw ValidationError("--task-train-limit names '\(unknown)', which is not in the run's order")
            }
            if method == "logreg" {
                try LogisticBaseline(base: base, progress: progress, seed: flags.seed).run(tasks: data, folder: out)
                return
            }
            let tasks = data.map { data in
                EncodedTask(data) { base.encode($0, template: base.defaultPromptTemplate, truncate: true) }
            }
            let runner = SuiteRunner(
                base: base, tasks: tasks, options: flags.options(method: TrainingMethod(rawValue: method)!),
                folder: out, progress: progress)
            runner.calibrationPrecision = targetPrecision
            let suiteName = URL(fileURLWithPath: suite).standardizedFileURL.lastPathComponent
            for data in tasks {
                runner.sources[data.name] = try TrainingSource.of(
                    folder: URL(fileURLWithPath: suite).appendingPathComponent(data.name).path,
                    named: suiteName + "/" + data.name, examples: data.train.count)
            }
            let started = Date()
            _ = try runner.run(resume: resume)
            progress.message("run written to \(out) in \(TrainingProgress.duration(Date().timeIntervalSince(started)))")
        } else {
            try SingleTaskTraining(
                base: base, options: flags.options(method: TrainingMethod(rawValue: method)!),
                progress: progress,
                targetPrecision: targetPrecision
            )
            .run(
                task: task!, data: data!, from: from!, out: out, replay: try replayFiles())
        }
    }

    /// `--task-train-limit` as task → N; a task named twice or an N below 1 is an error.
    func taskTrainLimits() throws -> [String: Int] {
        var limits: [String: Int] = [:]
        for item in taskTrainLimit {
            let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, let n = Int(parts[1]), n >= 1 else {
                throw ValidationError("--task-train-limit '\(item)': give TASK=N with N ≥ 1, e.g. tweeteval-hate=100")
            }
            guard limits.updateValue(n, forKey: parts[0]) == nil else {
                throw ValidationError("--task-train-limit names task '\(parts[0])' twice")
            }
        }
        return limits
    }

    /// `--replay-data` as task → file; a task named twice is an error.
    func replayFiles() throws -> [String: String] {
        var files: [String: String] = [:]
        for item in replayData {
            let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
            guard files.updateValue(parts[1], forKey: parts[0]) == nil else {
                throw ValidationError("--replay-data names task '\(parts[0])' twice")
            }
        }
        return files
    }
}
