// Which form of the MoE-CL feed-forward to run.

/// The efficient form is what the service runs; the reference form computes each expert in full (tests, checks).
public enum ForwardForm: String, Sendable, CaseIterable {
    /// One W1 and one W2 GEMM for both experts, LoRA paths fused (`MoEFeedForwardKernel`).
    case efficient
    /// Each expert's dense FFN with merged weights, outputs mixed by the gate, in Double (`ReferenceFeedForward`).
    case reference
}
