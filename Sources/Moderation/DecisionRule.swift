// The deployment rule of moe-cl.md §5: scores and thresholds → white, black, auto or review.

/// Turns class scores into a decision.
///
/// Only the top-scoring label can be auto-assigned (so the automatic sets of different labels never overlap):
/// for a moderation task (one label named compliant) the top label c with score ≥ τ_c gives black when c is
/// violating and white when c is compliant; for other tasks it gives auto. Everything else goes to review.
public struct DecisionRule: Sendable, Equatable {
    public let labels: [String]
    /// The compliant label of a moderation task, nil for other tasks.
    public let compliantLabel: String?
    public let calibration: Calibration

    public init(labels: [String], compliantLabel: String?, calibration: Calibration) {
        self.labels = labels
        self.compliantLabel = compliantLabel
        self.calibration = calibration
    }

    /// The decision for `scores` (one per label, in `labels` order).
    public func decide(_ scores: [Float]) -> Decision {
        decide(scores, top: TopScore.index(scores))
    }

    /// The decision for `scores` whose top score's index (`TopScore.index`) the caller already has.
    public func decide(_ scores: [Float], top: Int) -> Decision {
        precondition(scores.count == labels.count && scores.indices.contains(top), "one score per label")
        let label = labels[top]
        // Compared in Float, the precision scores are computed in (a threshold set from a score must admit it).
        guard let tau = calibration.thresholds[label], scores[top] >= Float(tau) else { return .review }
        guard let compliantLabel else { return .auto }
        return label == compliantLabel ? .white : .black
    }
}
