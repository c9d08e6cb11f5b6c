// What one training step measured.

/// Losses and counts of one step (before the optimiser update).
public struct StepResult: Sendable {
    /// Mean cross-entropy of the labelled sequences.
    public var taskLoss: Double
    /// Mean discriminator cross-entropy over layers and sequences (0 when the discriminator is off).
    public var adversarialLoss: Double
    /// Labelled sequences whose top class was right.
    public var correct: Int
    public var labelled: Int
    public var tokens: Int

    /// The objective whose gradient the step computed for the model (the discriminator minimises its own loss).
    public func objective(adversarialWeight: Float) -> Double { taskLoss - Double(adversarialWeight) * adversarialLoss }
}
