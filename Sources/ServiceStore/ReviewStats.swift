// Counts of the review queue per task and kind.

/// The queue of one task and kind (review or audit).
public struct ReviewStats: Sendable, Equatable, Codable {
    public let task: String
    public let kind: String
    /// Waiting and claimable.
    public let open: Int
    /// Claimed, lease not expired.
    public let leased: Int
    /// With a verdict.
    public let decided: Int
    /// Verdicts that agree with the model's top label (precision evidence for audits).
    public let agreed: Int

    public init(task: String, kind: String, open: Int, leased: Int, decided: Int, agreed: Int) {
        self.task = task
        self.kind = kind
        self.open = open
        self.leased = leased
        self.decided = decided
        self.agreed = agreed
    }
}
