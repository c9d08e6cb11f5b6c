// The tensor names of expert files (documented in docs/FORMATS.md), in one place.

/// Names follow the base checkpoint and PEFT: `<module>.lora_A.weight` [R, in], `<module>.lora_B.weight` [out, R].
public enum ExpertTensorNames {
    /// LoRA A of W1 (intermediate.dense, d → f) in `layer`.
    public static func upA(_ layer: Int) -> String { "encoder.layer.\(layer).intermediate.dense.lora_A.weight" }
    /// LoRA B of W1.
    public static func upB(_ layer: Int) -> String { "encoder.layer.\(layer).intermediate.dense.lora_B.weight" }
    /// LoRA A of W2 (output.dense, f → d).
    public static func downA(_ layer: Int) -> String { "encoder.layer.\(layer).output.dense.lora_A.weight" }
    /// LoRA B of W2.
    public static func downB(_ layer: Int) -> String { "encoder.layer.\(layer).output.dense.lora_B.weight" }
    /// The gate [2, d] of `layer` (shared file).
    public static func gate(_ layer: Int) -> String { "encoder.layer.\(layer).gate.weight" }
    /// The task discriminator of `layer` (shared file, optional): weight [K, d] and bias [K].
    public static func discriminatorWeight(_ layer: Int) -> String { "encoder.layer.\(layer).discriminator.weight" }
    public static func discriminatorBias(_ layer: Int) -> String { "encoder.layer.\(layer).discriminator.bias" }
    /// The task head (task file): weight [C, d], bias [C].
    public static let headWeight = "head.weight"
    public static let headBias = "head.bias"

    /// The four LoRA tensors of `layer` with their shapes for rank r, hidden d, intermediate f.
    static func lora(_ layer: Int, rank r: Int, hidden d: Int, intermediate f: Int) -> [(String, [Int])] {
        [(upA(layer), [r, d]), (upB(layer), [f, r]), (downA(layer), [r, f]), (downB(layer), [d, r])]
    }
}
