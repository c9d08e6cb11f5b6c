// One reviewer's verdict, as training and calibration data.

/// A text with the label a reviewer gave it.
public struct LabelledVerdict: Sendable, Equatable {
    /// The review item's id (stable: it decides the item's side of the split).
    public let id: Int64
    public let text: String
    public let label: String
    /// Drawn at random from all traffic (an unbiased sample), or queued because the model was unsure (biased).
    public let sampled: Bool

    public init(id: Int64, text: String, label: String, sampled: Bool) {
        self.id = id
        self.text = text
        self.label = label
        self.sampled = sampled
    }
}
