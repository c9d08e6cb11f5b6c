// What one training step measured.

/// Losses and counts of one step (before the optimiser update).
public struct StepResult: Sendable {
    /// Mean cross-entropy of the labelled sequences.
    public var taskLoss: Double
    /// Mean discriminator cross-entropy over layers and sequences (0 when the discriminator is off).
    public var adversarialLoss: Double
    /// Mean cross-entropy of the discriminator's prediction against the uniform distribution over the seen tasks,
    /// over layers and sequences (what the `confusion` objective has the shared expert minimise; 0 when off).
    public var confusionLoss: Double = 0
    /// Labelled sequences whose top class was right.
    public var correct: Int
    public var labelled: Int
    public var tokens: Int

    /// The objective whose gradient the step computed for the model (the discriminator minimises its own loss).
    public func objective(adversarialWeight: Float, adversarial: AdversarialObjective = .reversed) -> Double {
        switch adversarial {
        case .reversed: taskLoss - Double(adversarialWeight) * adversarialLoss
        case .confusion: taskLoss + Double(adversarialWeight) * confusionLoss
        }
    }
}
