// One entry of a task's policy list: a term or a pattern and what a text that contains it gets.

/// `term`: matched on whole words of the normalised text (`PolicyText`), with any separators between its
/// characters (so "f r e e" and "f.r.e.e" match "free", "carefree" does not). `pattern`: a regular expression
/// (ICU syntax) searched in the normalised text, separators kept.
public struct PolicyEntry: Sendable, Equatable, Codable {
    public enum Match: String, Sendable, Codable, CaseIterable {
        case term
        case pattern
    }

    /// What a hit decides: `black` or `white` without running the model, or `review` (the model still scores the
    /// text for the reviewer).
    public enum Action: String, Sendable, Codable, CaseIterable {
        case black
        case white
        case review
    }

    public let match: Match
    public let value: String
    public let action: Action
    /// Free text for the policy team (why the entry exists).
    public let note: String?

    public init(match: Match, value: String, action: Action, note: String? = nil) {
        self.match = match
        self.value = value
        self.action = action
        self.note = note
    }
}
