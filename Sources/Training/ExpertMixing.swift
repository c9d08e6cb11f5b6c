// How the FFN of every layer combines experts: the method being trained.

/// The expert layout of a continual-learning method (moe-cl.md §3 and its baselines).
public enum ExpertMixing: String, Sendable, Codable, CaseIterable {
    /// MoE-CL: y = g0·y_shared + g1·y_task with a learned per-layer gate.
    case gated
    /// Sequential fine-tuning: one LoRA (the "shared" one) through the whole sequence, a head per task.
    case sharedOnly = "shared-only"
    /// Per-task LoRA: an independent expert per task, no shared expert, no gate.
    case taskOnly = "task-only"

    var usesShared: Bool { self != .taskOnly }
    var usesTaskExperts: Bool { self != .sharedOnly }
}
