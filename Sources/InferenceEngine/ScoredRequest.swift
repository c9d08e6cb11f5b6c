// What a completed request gets back: its scores and the snapshot they came from.

import MoELoRA

/// The scores of one request, in its sequence order, and the snapshot its batch ran on (whose experts' decision
/// rules belong with these scores, even if a hot-load swapped the snapshot meanwhile).
public struct ScoredRequest: Sendable {
    public let scores: [TaskScores]
    public let snapshot: ExpertSnapshot
}
