// One task's expert: its LoRA adapters, its head and its metadata (labels, version, calibration).

import Moderation

/// An immutable task expert. A snapshot holds it by reference; it costs only its own tensors.
public final class TaskExpert: Sendable {
    public let metadata: ExpertMetadata
    public let expert: LoRAExpert
    public let head: TaskHead

    public init(metadata: ExpertMetadata, expert: LoRAExpert, head: TaskHead) {
        precondition(metadata.kind == .task && head.labels == metadata.labels, "head labels differ from metadata")
        self.metadata = metadata
        self.expert = expert
        self.head = head
    }

    public var name: String { metadata.task }
    public var labels: [String] { metadata.labels }
    public var version: Int { metadata.version }

    /// The decision rule of this expert version, or nil when it has no calibration.
    public var decisionRule: DecisionRule? {
        metadata.calibration.map {
            DecisionRule(labels: labels, compliantLabel: metadata.compliantLabel, calibration: $0)
        }
    }

    /// A copy with other metadata (for example new thresholds); the tensors are shared, not copied.
    public func with(metadata: ExpertMetadata) -> TaskExpert {
        TaskExpert(metadata: metadata, expert: expert, head: head)
    }

    /// Floats held in memory (adapters and head).
    public var parameterCount: Int { expert.parameterCount + head.weight.count + head.bias.count }
}
