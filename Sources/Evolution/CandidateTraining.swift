// Trains a candidate task expert (and, in shared mode, a shared expert) from a task's verdicts.

import Foundation
import MoELoRA
import Training

/// One training of a candidate on the current snapshot. Runs on the caller's thread; callers keep it off the
/// inference worker (`moecl evolve` runs it in a process of its own, at low priority with few threads).
public struct CandidateTraining {
    public let snapshot: ExpertSnapshot
    public let options: TrainerOptions
    public let progress: TrainingProgress?

    /// The trainer's options for `policy`: the defaults of `moecl train`, small batches for a few hundred
    /// verdicts, the policy's epochs, and the shared expert frozen in `task` mode.
    public static func options(for policy: EvolutionPolicy, seed: UInt64) -> TrainerOptions {
        var o = TrainerOptions()
        o.epochs = policy.epochs
        o.batchSize = 16
        o.evaluationsPerEpoch = 2
        o.optimizer.learningRate = 1e-3
        o.trainsShared = policy.mode == .shared
        o.seed = seed
        return o
    }

    public init(snapshot: ExpertSnapshot, options: TrainerOptions, progress: TrainingProgress? = nil) {
        self.snapshot = snapshot
        self.options = options
        self.progress = progress
    }

    /// What a training produced.
    public struct Result {
        public let expert: TaskExpert
        /// The new shared expert (shared mode), nil when it stayed frozen.
        public let shared: SharedExpert?
        public let bestDevelopmentAccuracy: Double
        public let steps: Int
        public let seconds: Double
    }

    /// Trains task `task` (continuing its current expert, as the next version) on `train`, keeping the step with
    /// the best accuracy on `development`. `replay`: other tasks' texts, replayed unlabelled to the discriminator
    /// (shared mode only). `lineage`: a JSON object recorded in the expert's metadata (run, parent version, …).
    public func run(
        task: String, train: [EncodedExample], development: [EncodedExample],
        replay: [String: [[Int32]]] = [:], source: TrainingSource? = nil, lineage: String
    ) throws -> Result {
        let current = try snapshot.task(task)
        let others = snapshot.taskNames.filter { $0 != task }
        let model = try ContinualModel(snapshot: snapshot, order: others + [task])
        let t = model.taskIndex(task)!
        model.tasks[t].version = current.version + 1
        let data = EncodedTask(
            name: task, labels: current.labels, compliantLabel: current.metadata.compliantLabel, train: train,
            dev: development.isEmpty ? train : development)
        let earlier =
            options.trainsShared
            ? replay.sorted { $0.key < $1.key }.compactMap { name, texts -> (task: Int, examples: [EncodedExample])? in
                guard let index = model.taskIndex(name), name != task else { return nil }
                return (index, texts.map { EncodedExample(ids: $0, label: 0) })
            } : []
        let trainer = ContinualTrainer(model: model, options: options, progress: progress)
        let started = Date()
        let state = try trainer.train(task: t, data: data, earlier: earlier)
        let training = String(decoding: try JSONEncoder().encode(options), as: UTF8.self)
        let fingerprint = snapshot.base.fingerprint
        // The expert's `training` record: the options, and where it came from (`lineage`, a JSON object).
        // (and where its first training texts are, carried from expert to expert).
        let record = TrainingSource.record("{\"evolution\":\(lineage),\"options\":\(training)}", adding: source)
        var expert = model.taskExpert(t, fingerprint: fingerprint, training: record)
        var metadata = expert.metadata
        metadata.calibration = current.metadata.calibration
        expert = expert.with(metadata: metadata)
        let shared =
            options.trainsShared
            ? model.sharedExpert(fingerprint: fingerprint, version: snapshot.shared.version + 1, training: training)
            : nil
        return Result(
            expert: expert, shared: shared, bestDevelopmentAccuracy: state.bestDevAccuracy, steps: state.step,
            seconds: Date().timeIntervalSince(started))
    }
}
