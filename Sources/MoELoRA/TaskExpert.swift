// One task's expert: its LoRA adapters, its head and its metadata (labels, version, calibration).

import Moderation

/// An immutable task expert. A snapshot holds it by reference; it costs only its own tensors.
public final class TaskExpert: Sendable {
    public let metadata: ExpertMetadata
    public let expert: LoRAExpert
    public let head: TaskHead
    /// The scene detector, present exactly when `metadata.scene` is.
    public let scene: SceneDetector?

    public init(metadata: ExpertMetadata, expert: LoRAExpert, head: TaskHead, scene: SceneDetector? = nil) {
        precondition(metadata.kind == .task && head.labels == metadata.labels, "head labels differ from metadata")
        precondition((scene == nil) == (metadata.scene == nil), "a scene detector comes with its scene metadata")
        precondition(scene.map { $0.weight.count == head.inputSize } ?? true, "scene detector of the wrong size")
        self.metadata = metadata
        self.expert = expert
        self.head = head
        self.scene = scene
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
        TaskExpert(metadata: metadata, expert: expert, head: head, scene: scene)
    }

    /// A copy with a scene detector and its settings (nil, nil removes them); adapters and head are shared.
    public func with(scene: SceneDetector?, settings: SceneGuard?) -> TaskExpert {
        var meta = metadata
        meta.scene = settings
        return TaskExpert(metadata: meta, expert: expert, head: head, scene: scene)
    }

    /// The scene score of a readout vector (the head's input), when the expert has a detector.
    public func sceneScore(_ readout: [Float]) -> Float? { scene?.score(readout) }

    /// Whether the enabled scene guard sends a text with this scene score to review.
    public func outOfScene(_ score: Float?) -> Bool {
        guard let settings = metadata.scene, settings.enabled, let score else { return false }
        return Double(score) < settings.threshold
    }

    /// Floats held in memory (adapters and head).
    public var parameterCount: Int {
        expert.parameterCount + head.weight.count + head.bias.count + (scene.map { $0.weight.count + 1 } ?? 0)
    }
}
