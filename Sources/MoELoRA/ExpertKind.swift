// The two kinds of expert file.

/// What an expert file holds, as written in its `format` metadata entry.
public enum ExpertKind: String, Sendable, Equatable {
    /// One task's LoRA expert and head.
    case task = "moecl.task-expert"
    /// The shared LoRA expert and the per-layer gates (and, optionally, the training discriminators).
    case shared = "moecl.shared-expert"
}
