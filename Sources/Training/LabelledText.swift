// One labelled example of a task.

/// A text with the index of its label in the task's label list.
public struct LabelledText: Sendable, Equatable {
    public let text: String
    public let label: Int

    public init(text: String, label: Int) {
        self.text = text
        self.label = label
    }
}
