// The text a task's expert actually reads: the posted text framed by a per-task prompt.

import Foundation

/// A template with one `{text}` slot, stored in the task expert's metadata (`prompt_template`).
public struct PromptTemplate: Sendable, Equatable {
    /// The placeholder the posted text replaces.
    public static let slot = "{text}"
    /// The default for decoders, after the method's prompts ("Title: …, Comment: …\nAnswer: ").
    public static let moderation = PromptTemplate(prefix: "Comment: ", suffix: "\nAnswer:")

    /// What comes before and after the text.
    public let prefix: String
    public let suffix: String

    public init(prefix: String, suffix: String) {
        self.prefix = prefix
        self.suffix = suffix
    }

    /// Parses "…{text}…"; nil unless the slot occurs exactly once.
    public init?(_ template: String) {
        let parts = template.components(separatedBy: Self.slot)
        guard parts.count == 2 else { return nil }
        self.init(prefix: parts[0], suffix: parts[1])
    }

    /// The template as written in metadata.
    public var text: String { prefix + Self.slot + suffix }

    /// The framed prompt of `text`.
    public func apply(_ text: String) -> String { prefix + text + suffix }
}
