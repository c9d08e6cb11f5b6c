// `moecl train --task`: adds a task expert to an existing bundle (or retrains one), updating the shared expert.

import Foundation
import MoELoRA
import Moderation

/// Loads a bundle, trains task `name` (fresh expert, or the existing one continued as a new version), updates
/// the shared expert and gates, and writes a new bundle whose other task experts are the old ones, unchanged.
/// The discriminator's replayed texts come from `replay` (earlier tasks' labelled files, labels unused); without
/// them it sees single-task batches (the reference code's form).
public struct SingleTaskTraining {
    public let base: BaseModel
    public let options: TrainerOptions
    public let progress: TrainingProgress?
    public let targetPrecision: Double

    public init(base: BaseModel, options: TrainerOptions, progress: TrainingProgress?, targetPrecision: Double) {
        self.base = base
        self.options = options
        self.progress = progress
        self.targetPrecision = targetPrecision
    }

    /// - Parameter replay: task name → JSONL file of that bundle task's texts (e.g. its train.jsonl), replayed
    ///   unlabelled to the discriminator.
    /// - Throws: `DataError` for bad data, and `.invalidSuite` naming a replay task the bundle lacks.
    public func run(
        task name: String, data folder: String, from bundle: String, out: String,
        replay: [String: String] = [:]
    ) throws {
        let snapshot = try ExpertBundle.load(folder: bundle, base: base)
        let existing = snapshot.tasks[name]
        let data = try TaskData.load(folder: folder, name: name, labels: existing?.labels, requireTest: false)
        let others = snapshot.taskNames.filter { $0 != name }
        let model = try ContinualModel(snapshot: snapshot, order: others + (existing == nil ? [] : [name]))
        let t: Int
        if let existing {
            t = model.taskIndex(name)!
            model.tasks[t].version = existing.version + 1
        } else {
            t = model.addTask(
                name: name, labels: data.labels,
                compliantLabel: data.labels.contains("compliant") ? "compliant" : nil,
                seed: options.seed &+ 7919, promptTemplate: base.defaultPromptTemplate)
        }
        let template = model.tasks[t].promptTemplate
        let encoded = EncodedTask(data) { base.encode($0, template: template, truncate: true) }
        let earlier = try replay.sorted { $0.key < $1.key }.map {
            task, path -> (task: Int, examples: [EncodedExample]) in
            guard task != name, let expert = snapshot.tasks[task], let index = model.taskIndex(task) else {
                throw DataError.invalidSuite(
                    path: path, reason: "replay task '\(task)' is not another task of the bundle \(bundle)")
            }
            let texts = try TaskData.labelled(path: path, labels: expert.labels)
            return (index, texts.map { EncodedExample(ids: snapshot.encode($0.text, task: task).ids, label: $0.label) })
        }
        let trainer = ContinualTrainer(model: model, options: options, progress: progress)
        let state = try trainer.train(task: t, data: encoded, earlier: earlier)
        let training = String(decoding: try JSONEncoder().encode(options), as: UTF8.self)
        let shared = model.sharedExpert(
            fingerprint: base.fingerprint, version: snapshot.shared.version + 1,
            training: training)
        let source = try TrainingSource.of(
            folder: folder, named: URL(fileURLWithPath: folder).standardizedFileURL.lastPathComponent,
            examples: encoded.train.count)
        var expert = model.taskExpert(
            t, fingerprint: base.fingerprint, training: TrainingSource.record(training, adding: source))
        let dev = trainer.scores(task: t, examples: encoded.dev)
        var meta = expert.metadata
        meta.calibration = ThresholdCalibrator.calibrate(
            zip(dev, encoded.dev).map { ThresholdCalibrator.Sample(scores: $0, label: $1.label) },
            labels: expert.labels,
            targetPrecision: targetPrecision, calibratedAt: ExpertMetadata.now())
        expert = expert.with(metadata: meta)
        let kept = others.compactMap { snapshot.tasks[$0] }
        try ExpertBundle.write(shared: shared, tasks: kept + [expert], to: out)
        progress?.message(
            String(
                format: "[%@] version %d, best dev accuracy %.4f; bundle written to %@", name,
                expert.version, state.bestDevAccuracy, out))
    }
}
