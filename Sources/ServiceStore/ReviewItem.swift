// One text waiting for (or holding) a human verdict.

/// A review or audit item as stored.
public struct ReviewItem: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable {
        /// The model was not confident enough: decision review.
        case review
        /// A random share of automatic decisions, checked to measure real precision.
        case audit
    }

    public let id: Int64
    public let task: String
    public let expertVersion: Int
    public let text: String
    public let labels: [String]
    /// One score per label, in `labels` order.
    public let scores: [Double]
    /// The model's top label and the decision taken (review for review items).
    public let label: String
    public let decision: String
    public let kind: Kind
    /// Seconds since 1970.
    public let createdAt: Double
    public let leaseExpiresAt: Double?
    public let verdict: String?
    /// When the verdict was recorded (seconds since 1970).
    public let verdictAt: Double?
    /// Whether the text was drawn at random from all traffic (whatever its decision): the unbiased sample.
    public let sampled: Bool

    enum CodingKeys: String, CodingKey {
        case id, task, text, labels, scores, label, decision, kind, verdict
        case expertVersion = "expert_version", createdAt = "created_at", leaseExpiresAt = "lease_expires_at",
            verdictAt = "verdict_at", sampled
    }
}

/// What recording a verdict did.
public enum VerdictOutcome: Equatable, Sendable {
    case recorded
    /// The same label was recorded before (idempotent).
    case alreadyRecorded
    /// A different label was recorded before.
    case conflict(existing: String)
    case notFound
    case invalidLabel(labels: [String])
}
