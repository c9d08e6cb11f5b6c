// What one step of the training forward and backward pass does beyond the model itself.

/// Settings of one step: which task is trained, dropout, the adversarial weight λ.
public struct StepSettings: Sendable {
    /// The task whose expert and head are trained (others are frozen); nil in inference.
    public var trainTask: Int?
    /// LoRA input dropout probability (0 in inference).
    public var dropout: Float
    /// λ of moe-cl.md §3: weight of the reversed discriminator loss (gated mixing only; 0 turns it off).
    public var adversarialWeight: Float
    /// What the shared expert does against the discriminator (`reversed`, the paper's, by default).
    public var adversarialObjective: AdversarialObjective = .reversed
    /// Seed of the dropout masks, combined with `step`.
    public var seed: UInt64
    public var step: Int

    public init(trainTask: Int?, dropout: Float = 0.05, adversarialWeight: Float = 0, seed: UInt64 = 0, step: Int = 0) {
        self.trainTask = trainTask
        self.dropout = dropout
        self.adversarialWeight = adversarialWeight
        self.seed = seed
        self.step = step
    }

    /// Inference: nothing trained, no dropout, no discriminator.
    public static let inference = StepSettings(trainTask: nil, dropout: 0, adversarialWeight: 0)

    var training: Bool { trainTask != nil }

    func mask(layer: Int, slot: Int, input: Int) -> DropoutMask {
        DropoutMask(
            probability: training ? dropout : 0,
            key: DropoutMask.key(seed: seed, step: step, layer: layer, slot: slot, input: input))
    }
}
