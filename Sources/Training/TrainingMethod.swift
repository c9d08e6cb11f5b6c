// The continual-learning methods `moecl train` compares (moe-cl.md §3).

/// A training method: its expert layout and whether the adversarial discriminator is on.
public enum TrainingMethod: String, Sendable, Codable, CaseIterable {
    /// MoE-CL: shared and task experts, gate, reversed discriminator loss.
    case moeCL = "moe-cl"
    /// MoE-CL with λ = 0 (the paper's "without GAN" ablation).
    case moeCLNoAdversarial = "moe-cl-no-adversarial"
    /// One LoRA fine-tuned through the sequence (the forgetting baseline), a head per task.
    case sequential
    /// An independent LoRA and head per task (isolation; the single-task accuracies S_i of FwT).
    case perTask = "per-task"

    public var mixing: ExpertMixing {
        switch self {
        case .moeCL, .moeCLNoAdversarial: .gated
        case .sequential: .sharedOnly
        case .perTask: .taskOnly
        }
    }

    public var adversarial: Bool { self == .moeCL }
}
