// The tensor names of expert files (documented in docs/FORMATS.md), in one place.

import Transformer

/// Names follow the base checkpoint and PEFT: `<module>.lora_A.weight` [R, in], `<module>.lora_B.weight` [out, R].
/// BERT modules: `encoder.layer.L.intermediate.dense` (W1), `encoder.layer.L.output.dense` (W2). Llama modules:
/// `model.layers.L.mlp.gate_proj` (W1), `…up_proj` (W3), `…down_proj` (W2). The gate and discriminator sit
/// beside them (`encoder.layer.L.gate.weight`, `model.layers.L.mlp.gate.weight` …).
public enum ExpertTensorNames {
    /// The module prefix of layer `layer`'s FFN additions.
    static func layer(_ layer: Int, _ family: BackboneShape.Family) -> String {
        switch family {
        case .bert: "encoder.layer.\(layer)."
        case .llama: "model.layers.\(layer).mlp."
        }
    }

    static func module(_ role: Role, _ layer: Int, _ family: BackboneShape.Family) -> String {
        switch (family, role) {
        case (.bert, .up): Self.layer(layer, family) + "intermediate.dense"
        case (.bert, .down): Self.layer(layer, family) + "output.dense"
        case (.bert, .linear): Self.layer(layer, family) + "intermediate.linear"
        case (.llama, .up): Self.layer(layer, family) + "gate_proj"
        case (.llama, .down): Self.layer(layer, family) + "down_proj"
        case (.llama, .linear): Self.layer(layer, family) + "up_proj"
        }
    }

    /// Which projection an adapter adapts: W1 (`up`), W2 (`down`), W3 (`linear`, gated units only).
    enum Role { case up, down, linear }

    /// LoRA A of `role`'s projection in `layer`.
    static func a(_ role: Role, _ layer: Int, _ family: BackboneShape.Family) -> String {
        module(role, layer, family) + ".lora_A.weight"
    }

    /// LoRA B of `role`'s projection in `layer`.
    static func b(_ role: Role, _ layer: Int, _ family: BackboneShape.Family) -> String {
        module(role, layer, family) + ".lora_B.weight"
    }

    /// LoRA A of W1 (BERT's intermediate.dense, d → f) in `layer`.
    public static func upA(_ layer: Int, _ family: BackboneShape.Family = .bert) -> String { a(.up, layer, family) }
    /// LoRA B of W1.
    public static func upB(_ layer: Int, _ family: BackboneShape.Family = .bert) -> String { b(.up, layer, family) }
    /// LoRA A of W2 (output.dense, f → d).
    public static func downA(_ layer: Int, _ family: BackboneShape.Family = .bert) -> String {
        a(.down, layer, family)
    }
    /// LoRA B of W2.
    public static func downB(_ layer: Int, _ family: BackboneShape.Family = .bert) -> String {
        b(.down, layer, family)
    }
    /// The gate [2, d] of `layer` (shared file).
    public static func gate(_ layer: Int, _ family: BackboneShape.Family = .bert) -> String {
        Self.layer(layer, family) + "gate.weight"
    }
    /// The task discriminator of `layer` (shared file, optional): weight [K, d] and bias [K].
    public static func discriminatorWeight(_ layer: Int, _ family: BackboneShape.Family = .bert) -> String {
        Self.layer(layer, family) + "discriminator.weight"
    }
    public static func discriminatorBias(_ layer: Int, _ family: BackboneShape.Family = .bert) -> String {
        Self.layer(layer, family) + "discriminator.bias"
    }
    /// The task head (task file): weight [C, d], bias [C].
    public static let headWeight = "head.weight"
    public static let headBias = "head.bias"
    /// The scene detector of a task expert (optional; with the `scene` metadata entry).
    public static let sceneWeight = "scene.weight"
    public static let sceneBias = "scene.bias"

    /// The LoRA tensors of `layer` with their shapes for rank r on a base of `shape`.
    static func lora(_ layer: Int, rank r: Int, shape: BackboneShape) -> [(String, [Int])] {
        let d = shape.hiddenSize, f = shape.intermediateSize, family = shape.family
        var names: [(String, [Int])] = [
            (a(.up, layer, family), [r, d]), (b(.up, layer, family), [f, r]),
            (a(.down, layer, family), [r, f]), (b(.down, layer, family), [d, r]),
        ]
        if shape.isGated {
            names += [(a(.linear, layer, family), [r, d]), (b(.linear, layer, family), [f, r])]
        }
        return names
    }
}
