// One task inside a model being trained: its name, labels, LoRA expert (when the method has one) and head.

import MoELoRA

/// A task's trainable state; its index in `ContinualModel.tasks` is its discriminator class.
public final class TaskSlot {
    public let name: String
    public let labels: [String]
    public let compliantLabel: String?
    /// nil for sequential fine-tuning (no task experts).
    public let lora: LoRAParameters?
    public let head: HeadParameters
    /// The expert version this slot will be written as.
    public var version: Int
    /// The prompt its texts are framed with (written into its expert's metadata).
    public let promptTemplate: PromptTemplate?

    public init(
        name: String, labels: [String], compliantLabel: String?, lora: LoRAParameters?, head: HeadParameters,
        version: Int = 1, promptTemplate: PromptTemplate? = nil
    ) {
        self.name = name
        self.labels = labels
        self.compliantLabel = compliantLabel
        self.lora = lora
        self.head = head
        self.version = version
        self.promptTemplate = promptTemplate
    }

    /// Parameters trained when this task is the current one.
    public var parameters: [Parameter] { (lora?.parameters ?? []) + head.parameters }
}
