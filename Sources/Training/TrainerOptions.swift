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
    /// λ of the reversed discriminator loss (MoE-CL only).
    public var adversarialWeight: Float = 0.1
    public var dropout: Float = 0.05
    public var optimizer = AdamWConfig()
    /// Dev evaluations per epoch; the best dev accuracy's parameters are kept.
    public var evaluationsPerEpoch = 4
    /// Longest sequence in tokens (with [CLS] and [SEP]); longer texts are truncated.
    public var maxTokens = 128
    public var rank = 8
    public var alpha: Float = 16
    public var seed: UInt64 = 1

    public init() {}

    enum CodingKeys: String, CodingKey {
        case method, epochs, replay, dropout, optimizer, rank, alpha, seed
        case batchSize = "batch_size", adversarialWeight = "adversarial_weight"
        case evaluationsPerEpoch = "evaluations_per_epoch", maxTokens = "max_tokens"
    }

    /// λ as used: 0 unless the method is adversarial.
    public var effectiveAdversarialWeight: Float { method.adversarial ? adversarialWeight : 0 }
}
