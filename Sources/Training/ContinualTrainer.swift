// Trains one task of a continual sequence: AdamW steps over shuffled batches (with replayed texts for the
// discriminator), dev evaluations a few times per epoch, the best dev accuracy's parameters kept.

import Foundation

/// Runs the training of tasks on a `ContinualModel` with fixed options; one thread.
public final class ContinualTrainer {
    public let model: ContinualModel
    public let options: TrainerOptions
    public var progress: TrainingProgress?
    let workspace = TrainingWorkspace()

    /// Where training of a task stands; checkpoints store it so `--resume` continues after an interruption.
    public struct TaskState: Sendable, Codable, Equatable {
        public var epochsDone = 0
        public var step = 0
        public var bestDevAccuracy = -1.0
        public var bestStep = 0
        /// Dev accuracy at each evaluation: (step, accuracy).
        public var devHistory: [[Double]] = []
        public var seconds = 0.0
        public var examples = 0
        public var tokens = 0

        public init() {}

        enum CodingKeys: String, CodingKey {
            case step, seconds, examples, tokens
            case epochsDone = "epochs_done", bestDevAccuracy = "best_dev_accuracy", bestStep = "best_step"
            case devHistory = "dev_history"
        }
    }

    public init(model: ContinualModel, options: TrainerOptions, progress: TrainingProgress? = nil) {
        self.model = model
        self.options = options
        self.progress = progress
    }

    /// Trains task `t` on `data` from `state` (a fresh one, or a checkpoint's), calling `epochDone` after every
    /// epoch with the state, the optimiser and the best parameters so far; at the end the best dev parameters
    /// are restored into the model.
    /// - Parameter earlier: train examples of earlier tasks (by task index), replayed unlabelled for the discriminator.
    public func train(
        task t: Int, data: EncodedTask, earlier: [(task: Int, examples: [EncodedExample])],
        state initial: TaskState = TaskState(), optimizer initialOptimizer: AdamW? = nil,
        best initialBest: [String: [Float]] = [:],
        epochDone: (TaskState, AdamW, [String: [Float]]) throws -> Void = { _, _, _ in }
    ) throws -> TaskState {
        let o = options, lambda = o.effectiveAdversarialWeight
        let trainable =
            o.trainsShared ? model.trainableParameters(task: t, adversarial: lambda > 0) : model.tasks[t].parameters
        let slowed = Set(model.sharedParameters.map(ObjectIdentifier.init))
        let sharedScale = o.sharedLearningRateScale(task: t)
        var optimizer = initialOptimizer ?? AdamW(config: o.optimizer)
        var state = initial, best = initialBest
        let stepsPerEpoch = o.stepsPerEpoch(trainCount: data.train.count)
        let epochs = o.epochs(trainCount: data.train.count)
        let totalSteps = stepsPerEpoch * epochs
        // Raised epochs (`minSteps`) keep the evaluations of `epochs` epochs, spread over all steps.
        let raised = epochs > o.epochs
        let evaluateEvery =
            raised
            ? max(1, totalSteps / max(1, o.evaluationsPerEpoch * o.epochs))
            : max(1, stepsPerEpoch / max(1, o.evaluationsPerEpoch))
        let replayCount = lambda > 0 ? o.replay : 0
        let sizes = earlier.map { ($0.task, $0.examples.count) }
        var recentLoss: [Double] = [], recentAdv: [Double] = []
        for epoch in state.epochsDone..<epochs {
            let order = BatchPlan.epochOrder(count: data.train.count, seed: o.seed, task: t, epoch: epoch)
            let epochStart = Date()
            for b in 0..<stepsPerEpoch {
                let picked = order[(b * o.batchSize)..<min(order.count, (b + 1) * o.batchSize)].map { data.train[$0] }
                let globalStep = epoch * stepsPerEpoch + b + 1
                let replay = BatchPlan.replay(count: replayCount, sizes: sizes, seed: o.seed, task: t, step: globalStep)
                let replayed = replay.map { pick in earlier.first { $0.task == pick.task }!.examples[pick.index].ids }
                let batch = TrainingBatch(
                    sequences: picked.map(\.ids) + replayed,
                    tasks: [Int](repeating: t, count: picked.count) + replay.map(\.task),
                    labels: picked.map(\.label) + replay.map { _ in nil })
                let started = Date()
                for p in trainable { p.zeroGradient() }
                var settings = StepSettings(
                    trainTask: t, dropout: o.dropout, adversarialWeight: lambda, seed: o.seed,
                    step: globalStep &+ t &* 1_000_003)
                settings.adversarialObjective = o.adversarialObjective
                let result = model.step(batch, settings: settings, workspace: workspace)
                optimizer.beginStep()
                for p in trainable {
                    optimizer.update(p, learningRateScale: slowed.contains(ObjectIdentifier(p)) ? sharedScale : 1)
                }
                state.step = globalStep
                state.seconds += Date().timeIntervalSince(started)
                state.examples += picked.count
                state.tokens += result.tokens
                recentLoss = Array((recentLoss + [result.taskLoss]).suffix(20))
                recentAdv = Array((recentAdv + [result.adversarialLoss]).suffix(20))
                let rate = Double(state.examples) / max(state.seconds, 1e-9)
                progress?.step(
                    task: data.name, step: globalStep, total: totalSteps,
                    loss: recentLoss.reduce(0, +) / Double(recentLoss.count),
                    adversarialLoss: lambda > 0 ? recentAdv.reduce(0, +) / Double(recentAdv.count) : nil,
                    examplesPerSecond: rate,
                    secondsLeft: Double((totalSteps - globalStep) * o.batchSize) / rate)
                let due =
                    raised
                    ? globalStep % evaluateEvery == 0 || globalStep == totalSteps
                    : (b + 1) % evaluateEvery == 0 || b == stepsPerEpoch - 1
                if due {
                    let accuracy = self.accuracy(task: t, examples: data.dev)
                    state.devHistory.append([Double(globalStep), accuracy])
                    if accuracy > state.bestDevAccuracy {
                        state.bestDevAccuracy = accuracy
                        state.bestStep = globalStep
                        best = Dictionary(uniqueKeysWithValues: trainable.map { ($0.name, $0.values) })
                    }
                }
            }
            state.epochsDone = epoch + 1
            progress?.message(
                String(
                    format: "[%@] epoch %d/%d done in %@, best dev accuracy %.4f (step %d)", data.name,
                    epoch + 1, epochs, TrainingProgress.duration(Date().timeIntervalSince(epochStart)),
                    state.bestDevAccuracy, state.bestStep))
            try epochDone(state, optimizer, best)
        }
        for p in trainable { if let values = best[p.name] { p.assign(values) } }
        return state
    }

    /// Class probabilities of `examples` under task `t` (batches of `options.batchSize`, no dropout).
    public func scores(task t: Int, examples: [EncodedExample]) -> [[Float]] {
        var result: [[Float]] = []
        result.reserveCapacity(examples.count)
        var start = 0
        while start < examples.count {
            let chunk = examples[start..<min(examples.count, start + 64)]
            let batch = TrainingBatch(
                sequences: chunk.map(\.ids), tasks: [Int](repeating: t, count: chunk.count),
                labels: [Int?](repeating: nil, count: chunk.count))
            result += model.scores(batch, workspace: workspace)
            start += 64
        }
        return result
    }

    /// Share of `examples` whose top score is their label.
    public func accuracy(task t: Int, examples: [EncodedExample]) -> Double {
        guard !examples.isEmpty else { return 0 }
        let s = scores(task: t, examples: examples)
        let correct = zip(s, examples).filter { scores, e in scores.indices.max { scores[$0] < scores[$1] } == e.label }
            .count
        return Double(correct) / Double(examples.count)
    }
}
