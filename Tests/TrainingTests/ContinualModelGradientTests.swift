// Finite-difference check of the whole training step on a tiny random model of each family (BERT: post-norm
// attention, GELU FFN, mean pooling; Llama: RMSNorm, RoPE, grouped-query causal attention, SwiGLU FFN with its W3
// adapter, last-token head), for every mixing, with dropout, replayed sequences of an older task and the reversed
// discriminator loss.

import Foundation
import MoELoRA
import TensorCore
import TestSupport
import Testing
import Training

@Suite("ContinualModel gradients")
struct ContinualModelGradientTests {
    /// A tiny model with two tasks and every parameter random (B ≠ 0, gates and discriminators ≠ 0).
    static func model(_ mixing: ExpertMixing, family: String = "bert", seed: UInt64 = 3) throws -> (
        ContinualModel, TinyModelFolder
    ) {
        let folder = family == "llama" ? try TinyModelFolder(llamaSeed: seed) : try TinyModelFolder(seed: seed)
        let m = ContinualModel(
            backbone: folder.base.backbone, mixing: mixing, rank: 3, alpha: 6, discriminatorClasses: 3,
            seed: seed)
        m.addTask(name: "old", labels: ["a", "b", "c"], compliantLabel: nil, seed: 11)
        m.addTask(name: "new", labels: ["compliant", "violating"], compliantLabel: "compliant", seed: 12)
        var rng = SplitMix64(seed: seed &+ 99)
        for p in m.allParameters { p.assign((0..<p.count).map { _ in 0.4 * rng.nextSigned() }) }
        return (m, folder)
    }

    /// Two labelled sequences of task "new" and two replayed (unlabelled) sequences of task "old".
    static let batch = TrainingBatch(
        sequences: [[2, 7, 9, 3], [2, 11, 3], [2, 5, 6, 8, 12, 3], [2, 13, 3]],
        tasks: [1, 1, 0, 0], labels: [1, 0, nil, nil])

    static func objective(_ m: ContinualModel, _ settings: StepSettings, discriminatorOnly: Bool) -> Double {
        for p in m.allParameters { p.zeroGradient() }
        let r = m.step(batch, settings: settings, workspace: TrainingWorkspace())
        let lambda = Double(settings.adversarialWeight)
        return discriminatorOnly
            ? lambda * r.adversarialLoss : r.objective(adversarialWeight: settings.adversarialWeight)
    }

    @Test(arguments: ["bert", "llama"], ExpertMixing.allCases)
    func wholeStepMatchesFiniteDifferences(family: String, mixing: ExpertMixing) throws {
        let (m, folder) = try Self.model(mixing, family: family)
        defer { folder.remove() }
        let settings = StepSettings(
            trainTask: 1, dropout: 0.2, adversarialWeight: mixing == .gated ? 0.7 : 0, seed: 5,
            step: 1)
        let adversarial = mixing == .gated
        for p in m.allParameters { p.zeroGradient() }
        _ = m.step(Self.batch, settings: settings, workspace: TrainingWorkspace())
        let trainable = m.trainableParameters(task: 1, adversarial: adversarial)
        let analytic = Dictionary(uniqueKeysWithValues: m.allParameters.map { ($0.name, $0.gradients) })
        var rng = SplitMix64(seed: 17)
        var checked = 0
        for p in trainable {
            let isDiscriminator = p.name.hasPrefix("disc.")
            // Four entries of every tensor, chosen at random, plus the first.
            let picks = Set([0] + (0..<4).map { _ in Int(rng.next() % UInt64(p.count)) })
            for i in picks {
                let keep = p.value[i], h: Float = 1e-2
                p.value[i] = keep + h
                let up = Self.objective(m, settings, discriminatorOnly: isDiscriminator)
                p.value[i] = keep - h
                let down = Self.objective(m, settings, discriminatorOnly: isDiscriminator)
                p.value[i] = keep
                let numeric = (up - down) / Double(2 * h)
                let a = Double(analytic[p.name]![i])
                #expect(
                    abs(a - numeric) <= 2e-4 + 2e-2 * abs(numeric), "\(p.name)[\(i)]: analytic \(a), numeric \(numeric)"
                )
                checked += 1
            }
        }
        #expect(checked > 20 * (mixing == .gated ? 3 : 1))
        // A gated unit trains its W3 adapter too.
        #expect(trainable.contains { $0.name.hasSuffix(".linear.bt") } == (family == "llama"))
        // Frozen parameters (the old task's expert and head) receive nothing.
        for p in m.tasks[0].parameters {
            #expect(analytic[p.name]!.allSatisfy { $0 == 0 }, "\(p.name) must stay frozen")
        }
    }

    /// The confusion objective: the shared expert, gates and task expert get the gradient of
    /// taskLoss + λ·confusionLoss; the discriminator still that of λ·its cross-entropy.
    @Test(arguments: ["bert", "llama"])
    func confusionObjectiveMatchesFiniteDifferences(family: String) throws {
        let (m, folder) = try Self.model(.gated, family: family)
        defer { folder.remove() }
        var settings = StepSettings(trainTask: 1, dropout: 0, adversarialWeight: 0.7, seed: 5, step: 1)
        settings.adversarialObjective = .confusion
        func objective(discriminatorOnly: Bool) -> Double {
            for p in m.allParameters { p.zeroGradient() }
            let r = m.step(Self.batch, settings: settings, workspace: TrainingWorkspace())
            return discriminatorOnly
                ? 0.7 * r.adversarialLoss : r.objective(adversarialWeight: 0.7, adversarial: .confusion)
        }
        for p in m.allParameters { p.zeroGradient() }
        let result = m.step(Self.batch, settings: settings, workspace: TrainingWorkspace())
        // Two tasks seen: the confusion loss is at least log 2, the entropy of the uniform target.
        #expect(result.confusionLoss >= log(2.0) - 1e-9 && result.adversarialLoss > 0)
        let analytic = Dictionary(uniqueKeysWithValues: m.allParameters.map { ($0.name, $0.gradients) })
        var rng = SplitMix64(seed: 23)
        var checked = 0
        for p in m.trainableParameters(task: 1, adversarial: true) {
            let isDiscriminator = p.name.hasPrefix("disc.")
            for i in Set([0] + (0..<3).map { _ in Int(rng.next() % UInt64(p.count)) }) {
                let keep = p.value[i], h: Float = 1e-2
                p.value[i] = keep + h
                let up = objective(discriminatorOnly: isDiscriminator)
                p.value[i] = keep - h
                let down = objective(discriminatorOnly: isDiscriminator)
                p.value[i] = keep
                let numeric = (up - down) / Double(2 * h), a = Double(analytic[p.name]![i])
                #expect(
                    abs(a - numeric) <= 2e-4 + 2e-2 * abs(numeric), "\(p.name)[\(i)]: analytic \(a), numeric \(numeric)"
                )
                checked += 1
            }
        }
        #expect(checked > 40)
    }

    @Test(arguments: ["bert", "llama"])
    func gradientReversalOpposesTheDiscriminator(family: String) throws {
        let (m, folder) = try Self.model(.gated, family: family, seed: 8)
        defer { folder.remove() }
        // Only the discriminator loss (no labels), so the shared expert's gradient is the reversed one alone.
        let batch = TrainingBatch(
            sequences: [[2, 7, 9, 3], [2, 11, 3], [2, 5, 6, 8, 12, 3], [2, 13, 3]],
            tasks: [1, 1, 0, 0], labels: [nil, nil, nil, nil])
        let settings = StepSettings(trainTask: 1, dropout: 0, adversarialWeight: 0.5, seed: 1, step: 1)
        let work = TrainingWorkspace()
        func adversarialLoss() -> Double {
            for p in m.allParameters { p.zeroGradient() }
            return m.step(batch, settings: settings, workspace: work).adversarialLoss
        }
        let before = adversarialLoss()
        let discriminator = m.discriminators.flatMap(\.parameters), shared = m.shared!.parameters
        func afterAdamStep(on group: [Parameter]) -> Double {
            let saved = group.map(\.values)
            _ = adversarialLoss()
            var optimizer = AdamW(
                config: {
                    var c = AdamWConfig(); c.learningRate = 1e-3; c.weightDecay = 0; return c
                }())
            optimizer.beginStep()
            for p in group { optimizer.update(p) }
            let loss = adversarialLoss()
            for (p, v) in zip(group, saved) { p.assign(v) }
            return loss
        }
        let throughDiscriminator = afterAdamStep(on: discriminator)
        let throughShared = afterAdamStep(on: shared)
        #expect(throughDiscriminator < before, "D's step must lower its loss: \(before) → \(throughDiscriminator)")
        #expect(throughShared > before, "the shared expert's step must raise D's loss: \(before) → \(throughShared)")
        // With λ = 0 the shared expert gets no gradient from an unlabelled batch.
        for p in m.allParameters { p.zeroGradient() }
        _ = m.step(batch, settings: StepSettings(trainTask: 1, dropout: 0, adversarialWeight: 0), workspace: work)
        #expect(shared.allSatisfy { $0.gradients.allSatisfy { $0 == 0 } })
    }
}
