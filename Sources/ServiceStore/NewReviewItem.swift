// An item to put in the review queue.

/// The fields of a review or audit item before it has an id.
public struct NewReviewItem: Sendable, Equatable {
    public let task: String
    public let expertVersion: Int
    public let text: String
    public let labels: [String]
    public let scores: [Double]
    public let label: String
    public let decision: String
    public let kind: ReviewItem.Kind
    /// Drawn at random from all traffic (`ReviewItem.sampled`).
    public let sampled: Bool

    public init(
        task: String, expertVersion: Int, text: String, labels: [String], scores: [Double], label: String,
        decision: String, kind: ReviewItem.Kind, sampled: Bool = false
    ) {
        self.sampled = sampled
        self.task = task
        self.expertVersion = expertVersion
        self.text = text
        self.labels = labels
        self.scores = scores
        self.label = label
        self.decision = decision
        self.kind = kind
    }
}
