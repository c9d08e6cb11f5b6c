// `moecl train --task`: adds a task expert to an existing bundle (or retrains one), updating the shared expert.

import Foundation
import MoELoRA
import Moderation

/// Loads a bundle, trains task `name` (fresh expert, or the existing one continued as a new version), updates
/// the shared expert and gates, and writes a new bundle whose other task experts are the old ones, unchanged.
/// Without earlier tasks' texts the discriminator sees single-task batches (the reference code's form).
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

    public func run(task name: String, data folder: String, from bundle: String, out: String,
                    encode: (String) -> [Int32]) throws {
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
            t = model.addTask(name: name, labels: data.labels,
                              compliantLabel: data.labels.contains("compliant") ? "compliant" : nil,
                              seed: options.seed &+ 7919)
        }
        let encoded = EncodedTask(data, encode: encode)
        let trainer = ContinualTrainer(model: model, options: options, progress: progress)
        let state = try trainer.train(task: t, data: encoded, earlier: [])
        let training = String(decoding: try JSONEncoder().encode(options), as: UTF8.self)
        let shared = model.sharedExpert(fingerprint: base.fingerprint, version: snapshot.shared.version + 1,
                                        training: training)
        var expert = model.taskExpert(t, fingerprint: base.fingerprint, training: training)
        let dev = trainer.scores(task: t, examples: encoded.dev)
        var meta = expert.metadata
        meta.calibration = ThresholdCalibrator.calibrate(
            zip(dev, encoded.dev).map { ThresholdCalibrator.Sample(scores: $0, label: $1.label) }, labels: expert.labels,
            targetPrecision: targetPrecision, calibratedAt: ExpertMetadata.now())
        expert = expert.with(metadata: meta)
        let kept = others.compactMap { snapshot.tasks[$0] }
        try ExpertBundle.write(shared: shared, tasks: kept + [expert], to: out)
        progress?.message(String(format: "[%@] version %d, best dev accuracy %.4f; bundle written to %@", name,
                                 expert.version, state.bestDevAccuracy, out))
    }
}
