// A tiny random BERT model folder for unit tests: config.json, model.safetensors and vocab.txt.

import Foundation
import ModelFormats
import TensorCore

/// Writes and describes a small random BERT model (no download needed).
public struct TinyBert {
    public var vocabSize = 40
    public var hidden = 16
    public var layers = 2
    public var heads = 4
    public var intermediate = 24
    public var maxPositions = 24
    public var eps: Float = 1e-12
    /// Every weight by checkpoint name.
    public private(set) var weights: [String: Tensor] = [:]

    /// Random weights from a fixed seed, with the given sizes.
    public init(seed: UInt64 = 1, hidden: Int = 16, intermediate: Int = 24, layers: Int = 2, heads: Int = 4) {
        self.hidden = hidden
        self.intermediate = intermediate
        self.layers = layers
        self.heads = heads
        var rng = SplitMix64(seed: seed)
        let d = hidden, f = intermediate
        func t(_ shape: [Int], scale: Float = 0.3, offset: Float = 0) -> Tensor {
            Tensor(shape: shape, data: (0..<shape.reduce(1, *)).map { _ in offset + scale * rng.nextSigned() })
        }
        weights["embeddings.word_embeddings.weight"] = t([vocabSize, d], scale: 1)
        weights["embeddings.position_embeddings.weight"] = t([maxPositions, d], scale: 0.5)
        weights["embeddings.token_type_embeddings.weight"] = t([2, d], scale: 0.2)
        weights["embeddings.LayerNorm.weight"] = t([d], scale: 0.2, offset: 1)
        weights["embeddings.LayerNorm.bias"] = t([d], scale: 0.1)
        for i in 0..<layers {
            let p = "encoder.layer.\(i)."
            for m in ["query", "key", "value"] {
                weights[p + "attention.self.\(m).weight"] = t([d, d])
                weights[p + "attention.self.\(m).bias"] = t([d], scale: 0.1)
            }
            weights[p + "attention.output.dense.weight"] = t([d, d])
            weights[p + "attention.output.dense.bias"] = t([d], scale: 0.1)
            weights[p + "attention.output.LayerNorm.weight"] = t([d], scale: 0.2, offset: 1)
            weights[p + "attention.output.LayerNorm.bias"] = t([d], scale: 0.1)
            weights[p + "intermediate.dense.weight"] = t([f, d])
            weights[p + "intermediate.dense.bias"] = t([f], scale: 0.1)
            weights[p + "output.dense.weight"] = t([d, f])
            weights[p + "output.dense.bias"] = t([d], scale: 0.1)
            weights[p + "output.LayerNorm.weight"] = t([d], scale: 0.2, offset: 1)
            weights[p + "output.LayerNorm.bias"] = t([d], scale: 0.1)
        }
    }

    /// The vocabulary: the five BERT specials, then lower-case words and pieces.
    public var vocabulary: [String] {
        let base = [
            "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "a", "cat", "dog", "sat", "on", "mat", "un",
            "##able", "##s", "##ing", "run", "!", ".", ",", "?", "hello", "world", "spam", "free", "click",
            "here", "now", "good", "bad",
        ]
        return base + (base.count..<vocabSize).map { "tok\($0)" }
    }

    /// config.json text; `overrides` replace keys (use NSNull to drop one).
    public func configJSON(overrides: [String: Any] = [:]) -> Data {
        var config: [String: Any] = [
            "architectures": ["BertModel"], "model_type": "bert", "hidden_act": "gelu", "vocab_size": vocabSize,
            "hidden_size": hidden, "num_hidden_layers": layers, "num_attention_heads": heads,
            "intermediate_size": intermediate, "max_position_embeddings": maxPositions, "type_vocab_size": 2,
            "layer_norm_eps": Double(eps), "position_embedding_type": "absolute",
        ]
        for (k, v) in overrides { config[k] = v is NSNull ? nil : v }
        return try! JSONSerialization.data(withJSONObject: config, options: [.sortedKeys])
    }

    /// Writes the model folder; `mutate` may change or drop tensors first, `prefix` prepends to every name.
    public func write(
        to folder: URL, prefix: String = "", configOverrides: [String: Any] = [:],
        mutate: (inout [String: Tensor]) -> Void = { _ in }
    ) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try configJSON(overrides: configOverrides).write(to: folder.appendingPathComponent("config.json"))
        try (vocabulary.joined(separator: "\n") + "\n").write(
            to: folder.appendingPathComponent("vocab.txt"), atomically: true, encoding: .utf8)
        var tensors = weights
        mutate(&tensors)
        var writer = SafeTensorsWriter()
        for name in tensors.keys.sorted() { writer.add(prefix + name, tensors[name]!) }
        try writer.write(to: folder.appendingPathComponent("model.safetensors").path)
    }
}
