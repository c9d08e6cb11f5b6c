// Hyper-parameters of `moecl train`, with moe-cl.md §3's defaults.

/// Settings of one training run; stored in checkpoints and in the experts' `training` metadata.
public struct TrainerOptions: Sendable, Codable, Equatable {
    public var method: TrainingMethod = .moeCL
    public var epochs = 3
    /// Labelled sequences per step.
    public var batchSize = 32
    /// Unlabelled sequences from earlier tasks added to each step for the discriminator (moe-cl.md §3 decision);
    /// 0 gives the reference code's single-task discriminator batches.
    public var replay = 8
    /// λ of the reversed discriminator loss (MoE-CL only); 0.01 was chosen on moderation-en's dev splits over
    /// 0.1, 0.01 and 0 (docs/RESULTS.md).
    public var adversarialWeight: Float = 0.01
    /// The shared expert's side of the adversarial game (`AdversarialObjective`; the paper's gradient reversal by
    /// default).
    public var adversarialObjective: AdversarialObjective = .reversed
    public var dropout: Float = 0.05
    public var optimizer = AdamWConfig()
    /// Learning-rate factor for the shared expert and the gates while training any task after a bundle's first
    /// (gated methods only). The shared expert and gates are the only parameters old tasks share with new ones
    /// (moe-cl.md §3), so a factor below 1 slows the drift that makes old tasks forget; 1 is the plain method.
    /// 0.1 was chosen on moderation-en's dev splits (mean dev accuracy after the sequence 0.884 against 0.845 at 1).
    public var sharedLearningRateScale: Float = 0.1
    /// Whether the shared expert, gates and discriminators train with the task (the MoE-CL step). When false only
    /// the task's own expert and head change (no adversarial term): every other task's scores stay bit-identical,
    /// by construction (self-evolution's `task` mode).
    public var trainsShared = true
    /// Dev evaluations per epoch; the best dev accuracy's parameters are kept.
    public var evaluationsPerEpoch = 4
    /// At least this many steps per task: a task too small for it trains more epochs than `epochs` (few labels
    /// would otherwise get a handful of steps), with `evaluationsPerEpoch × epochs` dev evaluations spread over
    /// them. 0 (the default) keeps `epochs` for every task.
    public var minSteps = 0
    /// Longest sequence in tokens (with [CLS] and [SEP]); longer texts are truncated.
    public var maxTokens = 128
    public var rank = 8
    public var alpha: Float = 16
    /// Standard deviation of the gates' initial weights (uniform, seeded); 0: zero gates, g = (½, ½) for every token.
    public var gateInitStd: Float = 0
    public var seed: UInt64 = 1

    public init() {}

    enum CodingKeys: String, CodingKey {
        case method, epochs, replay, dropout, optimizer, rank, alpha, seed
        case batchSize = "batch_size", adversarialWeight = "adversarial_weight"
        case evaluationsPerEpoch = "evaluations_per_epoch", maxTokens = "max_tokens"
        case sharedLearningRateScale = "shared_lr_scale", trainsShared = "trains_shared"
        case minSteps = "min_steps"
        case adversarialObjective = "adversarial_objective"
        case gateInitStd = "gate_init_std"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        method = try c.decode(TrainingMethod.self, forKey: .method)
        epochs = try c.decode(Int.self, forKey: .epochs)
        batchSize = try c.decode(Int.self, forKey: .batchSize)
        replay = try c.decode(Int.self, forKey: .replay)
        adversarialWeight = try c.decode(Float.self, forKey: .adversarialWeight)
        dropout = try c.decode(Float.self, forKey: .dropout)
        optimizer = try c.decode(AdamWConfig.self, forKey: .optimizer)
        // Absent in files written before the option existed, which trained with the plain method.
        sharedLearningRateScale = try c.decodeIfPresent(Float.self, forKey: .sharedLearningRateScale) ?? 1
        trainsShared = try c.decodeIfPresent(Bool.self, forKey: .trainsShared) ?? true
        evaluationsPerEpoch = try c.decode(Int.self, forKey: .evaluationsPerEpoch)
        minSteps = try c.decodeIfPresent(Int.self, forKey: .minSteps) ?? 0
        adversarialObjective =
            try c.decodeIfPresent(AdversarialObjective.self, forKey: .adversarialObjective) ?? .reversed
        maxTokens = try c.decode(Int.self, forKey: .maxTokens)
        rank = try c.decode(Int.self, forKey: .rank)
        alpha = try c.decode(Float.self, forKey: .alpha)
        seed = try c.decode(UInt64.self, forKey: .seed)
        gateInitStd = try c.decodeIfPresent(Float.self, forKey: .gateInitStd) ?? 0
    }

    /// Steps per epoch for `count` training texts (the last batch may be short).
    public func stepsPerEpoch(trainCount count: Int) -> Int { (count + batchSize - 1) / batchSize }

    /// Epochs for `count` training texts: `epochs`, or more when that gives fewer than `minSteps` steps.
    public func epochs(trainCount count: Int) -> Int {
        let perEpoch = max(1, stepsPerEpoch(trainCount: count))
        return max(epochs, (minSteps + perEpoch - 1) / perEpoch)
    }

    /// λ as used: 0 unless the method is adversarial.
    public var effectiveAdversarialWeight: Float { method.adversarial && trainsShared ? adversarialWeight : 0 }

    /// The shared expert's and gates' learning-rate factor for task index `t`: `sharedLearningRateScale` for a
    /// gated method after the first task, else 1.
    public func sharedLearningRateScale(task t: Int) -> Float {
        method.mixing == .gated && t > 0 ? sharedLearningRateScale : 1
    }
}
