// What an evolution run may change.

/// `task`: only the task's own expert and head train; the shared expert and gates stay frozen, so every other
/// task's scores stay bit-identical. `shared`: the full MoE-CL step (shared expert, gates, discriminator, replayed
/// texts of other tasks), which may help or harm other tasks and is guarded by `CandidateAssessment`.
public enum EvolutionMode: String, Sendable, Codable, CaseIterable {
    case task
    case shared
}
