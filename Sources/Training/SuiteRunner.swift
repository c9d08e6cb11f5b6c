// Trains a whole task sequence with one method, recording every stage and checkpointing every epoch.

import Foundation
import MoELoRA
import Moderation

/// Runs `tasks` in order into a run folder:
/// `run.json` (method, options, order), `stage-<i>.json` after each stage, `checkpoint.safetensors` after each
/// epoch, and for MoE-CL methods `bundle/` (the final experts, calibrated on dev at `calibrationPrecision`).
public final class SuiteRunner {
    public let base: BaseModel
    public let tasks: [EncodedTask]
    public let options: TrainerOptions
    public let folder: URL
    public var progress: TrainingProgress?
    public var calibrationPrecision = 0.9
    /// Task → where its training texts came from, recorded in its expert's `training` metadata.
    public var sources: [String: TrainingSource] = [:]
    /// Tests only: throw `Interrupted` after this many epochs of this stage (a simulated kill).
    public var interruptAfter: (stage: Int, epochs: Int)?

    /// Thrown by `interruptAfter`.
    public struct Interrupted: Error {}

    public init(
        base: BaseModel, tasks: [EncodedTask], options: TrainerOptions, folder: String,
        progress: TrainingProgress? = nil
    ) {
        self.base = base
        self.tasks = tasks
        self.options = options
        self.folder = URL(fileURLWithPath: folder)
        self.progress = progress
    }

    var checkpointPath: String { folder.appendingPathComponent("checkpoint.safetensors").path }

    func stagePath(_ i: Int) -> URL { folder.appendingPathComponent("stage-\(i).json") }

    /// Trains every task not yet done (all of them unless `resume`), returns every stage's record.
    public func run(resume: Bool) throws -> [StageRecord] {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let model = ContinualModel(
            backbone: base.backbone, mixing: options.method.mixing, rank: options.rank,
            alpha: options.alpha, discriminatorClasses: max(8, tasks.count), gateInitStd: options.gateInitStd,
            seed: options.seed)
        let trainer = ContinualTrainer(model: model, options: options, progress: progress)
        var records: [StageRecord] = []
        var checkpoint: TrainingCheckpoint?
        if resume {
            while FileManager.default.fileExists(atPath: stagePath(records.count).path), records.count < tasks.count {
                let record = try JSONDecoder().decode(
                    StageRecord.self, from: Data(contentsOf: stagePath(records.count)))
                guard record.task == tasks[records.count].name else {
                    throw DataError.badCheckpoint(
                        path: stagePath(records.count).path,
                        reason: "stage \(records.count) trained '\(record.task)', but this run's order has "
                            + "'\(tasks[records.count].name)' there; resume with the same order (more tasks may follow)"
                    )
                }
                records.append(record)
            }
            if FileManager.default.fileExists(atPath: checkpointPath) {
                checkpoint = try TrainingCheckpoint.read(path: checkpointPath)
                if checkpoint!.options != options {
                    throw DataError.badCheckpoint(
                        path: checkpointPath,
                        reason: "it was written with other options; "
                            + "rerun with the same flags or start without --resume")
                }
            }
        }
        // On resume too: a resumed run may add tasks after the ones done (a branch of a shared prefix).
        try writeRunFile()
        for (i, task) in tasks.enumerated() {
            model.addTask(
                name: task.name, labels: task.labels, compliantLabel: task.compliantLabel,
                seed: options.seed &+ UInt64(i + 1) &* 7919, promptTemplate: base.defaultPromptTemplate)
            if i < records.count { continue }
            var state = ContinualTrainer.TaskState(), optimizer: AdamW?, best: [String: [Float]] = [:]
            if let c = checkpoint, c.stage >= i - 1 {
                try c.restore(into: model, path: checkpointPath, fresh: Set(model.tasks[i].parameters.map(\.name)))
                if c.stage == i {
                    (state, optimizer, best) = (c.state, c.optimizer, c.best)
                    progress?.message("[\(task.name)] resuming after epoch \(c.state.epochsDone)")
                }
                checkpoint = nil
            }
            let earlier = (0..<i).map { (task: $0, examples: tasks[$0].train) }
            state = try trainer.train(
                task: i, data: task, earlier: earlier, state: state, optimizer: optimizer, best: best
            ) {
                state, optimizer, best in
                try TrainingCheckpoint(
                    stage: i, task: task.name, state: state, optimizer: optimizer, best: best,
                    model: model, options: options
                ).write(to: checkpointPath)
                if let stop = self.interruptAfter, stop.stage == i, stop.epochs == state.epochsDone {
                    throw Interrupted()
                }
            }
            // The checkpoint now holds the best parameters restored (a resumed run continues from here).
            try TrainingCheckpoint(
                stage: i, task: task.name, state: state, optimizer: AdamW(config: options.optimizer),
                best: [:], model: model, options: options
            ).write(to: checkpointPath)
            let record = StageRecord(
                stage: i, task: task.name, method: options.method.rawValue, training: state,
                evaluations: (0...i).map { evaluate(trainer, task: $0) }, trainExamples: task.train.count)
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            try encoder.encode(record).write(to: stagePath(i), options: .atomic)
            let accuracies = record.evaluations.map { String(format: "%@ %.4f", $0.task, $0.test.accuracy) }
            progress?.message(
                "[\(task.name)] stage \(i + 1)/\(tasks.count) test accuracy: " + accuracies.joined(separator: ", "))
            records.append(record)
        }
        if options.method.mixing == .gated { try writeBundle(model, last: records.last!) }
        return records
    }

    func evaluate(_ trainer: ContinualTrainer, task t: Int) -> TaskEvaluation {
        let data = tasks[t]
        return TaskEvaluation(
            task: data.name, labels: data.labels, compliantLabel: data.compliantLabel,
            dev: SplitScores(labels: data.dev.map(\.label), scores: trainer.scores(task: t, examples: data.dev)),
            test: SplitScores(
                labels: data.test.map(\.label),
                scores: trainer.scores(task: t, examples: data.test)))
    }

    /// The final experts as a bundle, each task calibrated on its dev scores.
    func writeBundle(_ model: ContinualModel, last: StageRecord) throws {
        let training = String(decoding: try JSONEncoder().encode(options), as: UTF8.self)
        let shared = model.sharedExpert(fingerprint: base.fingerprint, version: tasks.count, training: training)
        let experts = model.tasks.indices.map { t -> TaskExpert in
            let record = TrainingSource.record(training, adding: sources[tasks[t].name])
            let expert = model.taskExpert(t, fingerprint: base.fingerprint, training: record)
            let dev = last.evaluations[t].dev
            let samples = zip(dev.scores, dev.labels).map { ThresholdCalibrator.Sample(scores: $0, label: $1) }
            var meta = expert.metadata
            meta.calibration = ThresholdCalibrator.calibrate(
                samples, labels: expert.labels,
                targetPrecision: calibrationPrecision,
                calibratedAt: ExpertMetadata.now())
            return expert.with(metadata: meta)
        }
        try ExpertBundle.write(shared: shared, tasks: experts, to: folder.appendingPathComponent("bundle").path)
    }

    func writeRunFile() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        struct Run: Encodable {
            let method: String
            let order: [String]
            let options: TrainerOptions
            let trainExamples: [Int]
            enum CodingKeys: String, CodingKey {
                case method, order, options
                case trainExamples = "train_examples"
            }
        }
        let run = Run(
            method: options.method.rawValue, order: tasks.map(\.name), options: options,
            trainExamples: tasks.map(\.train.count))
        try encoder.encode(run)
            .write(to: folder.appendingPathComponent("run.json"), options: .atomic)
    }
}
