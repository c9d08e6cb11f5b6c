// The outcome of the moderation policy for one scored text.

/// What happens to a scored text.
public enum Decision: String, Sendable, Codable, CaseIterable {
    /// Auto-labelled compliant (moderation tasks).
    case white
    /// Auto-labelled violating (moderation tasks).
    case black
    /// Auto-labelled with its top label (tasks with other label sets).
    case auto
    /// Not confident enough: goes to human review.
    case review

    /// Whether the text was decided without a human.
    public var isAutomatic: Bool { self != .review }
}
