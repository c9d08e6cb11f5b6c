// What the shared expert does against the task discriminator: reverse its gradient, or confuse it.

/// The shared expert's side of the adversarial game (the discriminator always minimises its cross-entropy).
/// - `reversed`: moe-cl.md §3, gradient reversal: the shared expert maximises the discriminator's cross-entropy,
///   an unbounded objective (it diverged at λ = 0.1 on moderation-en).
/// - `confusion`: the shared expert minimises the cross-entropy of the discriminator's prediction against the
///   uniform distribution over the tasks seen so far, bounded below by the entropy of that distribution and at its
///   minimum exactly when the discriminator cannot tell the tasks apart (the "confusion loss" of domain adaptation).
public enum AdversarialObjective: String, Sendable, Codable, CaseIterable {
    case reversed
    case confusion
}
