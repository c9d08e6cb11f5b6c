// One evolution step for a task: split its verdicts, train a candidate, calibrate and judge it on the held-back
// verdicts against the current expert. Promotion itself is the caller's (it owns the registry).

import Foundation
import MoELoRA
import Moderation
import TensorCore
import Training

/// Trains and assesses one candidate; pure apart from the CPU it takes.
public struct EvolutionStep {
    public let snapshot: ExpertSnapshot
    public let policy: EvolutionPolicy
    public let progress: TrainingProgress?
    public let seed: UInt64

    public init(
        snapshot: ExpertSnapshot, policy: EvolutionPolicy, seed: UInt64 = 1, progress: TrainingProgress? = nil
    ) {
        self.snapshot = snapshot
        self.policy = policy
        self.seed = seed
        self.progress = progress
    }

    /// Ids of `text` as task `task`'s current expert reads it (its prompt template, cut to the base's limit).
    func encode(_ text: String, task: String) -> [Int32] { snapshot.encode(text, task: task).ids }

    /// What a step found.
    public struct Outcome {
        /// The candidate with its held-back calibration (whether or not it is promoted): the trained expert, or
        /// when `assessment.recalibrate`, the current expert's weights with `assessment.recalibration`.
        public let candidate: TaskExpert
        public let shared: SharedExpert?
        public let assessment: CandidateAssessment
        public let trainCount: Int
        public let developmentCount: Int
        public let heldBackCount: Int
        public let trainingSeconds: Double
        public let bestDevelopmentAccuracy: Double
        /// Texts of the expert's original training data trained on beside the verdicts.
        public let originalCount: Int
    }

    /// Why a step cannot run (too few verdicts, an unknown task).
    public struct Refusal: Error, CustomStringConvertible {
        public let description: String
    }

    /// Runs the step for `task` on its `verdicts`; `others`: other tasks' verdicts (their held-back share guards
    /// shared mode, their texts are replayed to the discriminator); `otherDevelopment`: other tasks' dev texts
    /// (labels as indices of their experts' labels), which guard shared mode too. `original`: the texts the task's expert was
    /// first trained on (labels as indices of its labels), recorded as `source` in the candidate; as many of them
    /// as there are training verdicts (at least 100), drawn with the step's seed, train beside the verdicts.
    public func run(
        task: String, verdicts: [LabelledVerdict], others: [String: [LabelledVerdict]] = [:],
        original: [LabelledText] = [], source: TrainingSource? = nil,
        otherDevelopment: [String: [LabelledText]] = [:], lineage: String
    )
        throws -> Outcome
    {
        guard let current = snapshot.tasks[task] else {
            throw Refusal(description: "task '\(task)' is not loaded (tasks: \(snapshot.taskNames))")
        }
        let known = verdicts.filter { current.labels.contains($0.label) }
        guard known.count >= policy.minVerdicts else {
            throw Refusal(
                description: "task '\(task)' has \(known.count) verdicts; a run needs \(policy.minVerdicts)")
        }
        let split = VerdictSplit(known, holdOut: policy.holdOut)
        func examples(_ vs: [LabelledVerdict]) -> [EncodedExample] {
            vs.map { EncodedExample(ids: encode($0.text, task: task), label: current.labels.firstIndex(of: $0.label)!) }
        }
        var rng = SplitMix64(seed: seed &+ 104_729)
        let mixed = original.shuffled(using: &rng).prefix(max(split.train.count, 100))
        let originals = mixed.map { EncodedExample(ids: encode($0.text, task: task), label: $0.label) }
        let replay = Dictionary(
            uniqueKeysWithValues: others.map { name, vs in (name, vs.map { encode($0.text, task: name) }) })
        let training = CandidateTraining(
            snapshot: snapshot, options: CandidateTraining.options(for: policy, seed: seed), progress: progress)
        let result = try training.run(
            task: task, train: examples(split.train) + originals, development: examples(split.development),
            replay: replay, source: source, lineage: lineage)
        var next = try snapshot.adding(result.expert)
        if let shared = result.shared { next = try next.replacingShared(shared) }
        let held = examples(split.heldBack)
        let before = try Self.samples(held, task: task, snapshot: snapshot)
        let after = try Self.samples(held, task: task, snapshot: next)
        var otherAccuracy: [String: CandidateAssessment.OtherTaskAccuracy] = [:]
        var otherDevelopmentAccuracy: [String: CandidateAssessment.OtherTaskAccuracy] = [:]
        if result.shared != nil {
            for (name, vs) in others.sorted(by: { $0.key < $1.key }) {
                guard let expert = snapshot.tasks[name] else { continue }
                let theirs = VerdictSplit(vs.filter { expert.labels.contains($0.label) }, holdOut: policy.holdOut)
                let ex = theirs.heldBack.map {
                    EncodedExample(ids: encode($0.text, task: name), label: expert.labels.firstIndex(of: $0.label)!)
                }
                guard !ex.isEmpty else { continue }
                otherAccuracy[name] = .init(
                    samples: ex.count, before: Self.accuracy(try Self.samples(ex, task: name, snapshot: snapshot)),
                    after: Self.accuracy(try Self.samples(ex, task: name, snapshot: next)))
            }
            for (name, texts) in otherDevelopment.sorted(by: { $0.key < $1.key })
            where name != task && snapshot.tasks[name] != nil && !texts.isEmpty {
                let ex = texts.map { EncodedExample(ids: encode($0.text, task: name), label: $0.label) }
                otherDevelopmentAccuracy[name] = .init(
                    samples: ex.count, before: Self.accuracy(try Self.samples(ex, task: name, snapshot: snapshot)),
                    after: Self.accuracy(try Self.samples(ex, task: name, snapshot: next)))
            }
        }
        let target = policy.targetPrecision ?? current.metadata.calibration?.targetPrecision ?? 0.9
        let currentRule =
            current.decisionRule
            ?? DecisionRule(
                labels: current.labels, compliantLabel: current.metadata.compliantLabel,
                calibration: Calibration(targetPrecision: target, thresholds: [:]))
        let assessment = CandidateAssessment(
            current: before, candidate: after, currentRule: currentRule, targetPrecision: target,
            confidence: policy.confidence, scope: policy.precisionScope, margin: policy.margin,
            otherTasks: otherAccuracy, otherTasksDevelopment: otherDevelopmentAccuracy,
            calibratedAt: ExpertMetadata.now())
        var candidate = result.expert
        var metadata = candidate.metadata
        metadata.calibration = assessment.calibration
        if assessment.recalibrate {
            // The current weights as the next version, at the thresholds the held-back verdicts certify.
            candidate = current
            metadata = current.metadata
            metadata.version = current.version + 1
            metadata.calibration = assessment.recalibration
            metadata.training = TrainingSource.record(
                "{\"evolution\":\(lineage),\"recalibrated\":\(current.version)}", adding: source)
        }
        return Outcome(
            candidate: candidate.with(metadata: metadata), shared: assessment.recalibrate ? nil : result.shared,
            assessment: assessment,
            trainCount: split.train.count, developmentCount: split.development.count,
            heldBackCount: split.heldBack.count, trainingSeconds: result.seconds,
            bestDevelopmentAccuracy: result.bestDevelopmentAccuracy, originalCount: originals.count)
    }

    /// Scores of `examples` under `task` of `snapshot` (the inference forward, as served), with their labels.
    public static func samples(_ examples: [EncodedExample], task: String, snapshot: ExpertSnapshot) throws
        -> [ThresholdCalibrator.Sample]
    {
        var result: [ThresholdCalibrator.Sample] = []
        var start = 0
        while start < examples.count {
            let chunk = examples[start..<min(examples.count, start + 32)]
            let scores = try snapshot.classify(
                sequences: chunk.map(\.ids), tasks: [String](repeating: task, count: chunk.count))
            result += zip(scores, chunk).map { .init(scores: $0.scores, label: $1.label) }
            start += 32
        }
        return result
    }

    static func accuracy(_ samples: [ThresholdCalibrator.Sample]) -> Double {
        samples.isEmpty
            ? 0 : Double(samples.filter { TopScore.index($0.scores) == $0.label }.count) / Double(samples.count)
    }
}
