// The arithmetic of the frozen base's projections.

/// `fp32`: float weights packed once at load, moecl's own micro-kernel (`PackedMatrix`). `int8`: weights quantised once at load per output channel, activations per row at run
/// time, integer dot products (`Int8Matrix`); LoRA paths, attention and norms stay in float.
public enum Precision: String, Sendable, CaseIterable, Codable {
    case fp32
    case int8
}
