// A tiny random Llama model folder for unit tests: config.json, model.safetensors (Hugging Face names) and the
// tiny byte-level BPE tokenizer.json of Tests/Fixtures/bpe/tiny.

import Foundation
import ModelFormats
import TensorCore

/// Writes a small random `LlamaForCausalLM` folder (no download needed): 2 blocks, hidden 16, FFN 24, 4 heads
/// over 2 key-value heads, the tokenizer's 600 ids, tied embeddings.
public struct TinyLlama {
    public var hidden = 16
    public var intermediate = 24
    public var layers = 2
    public var heads = 4
    public var keyValueHeads = 2
    public var vocabSize = 600
    public var maxPositions = 512
    /// Every weight by checkpoint name.
    public private(set) var weights: [String: Tensor] = [:]

    public static var tokenizerFile: URL {
        TestPaths.fixtures.appendingPathComponent("bpe/tiny/tokenizer.json")
    }

    public init(seed: UInt64 = 1, hidden: Int = 16, intermediate: Int = 24, layers: Int = 2) {
        self.hidden = hidden
        self.intermediate = intermediate
        self.layers = layers
        var rng = SplitMix64(seed: seed)
        let d = hidden, f = intermediate, kv = d / heads * keyValueHeads
        func t(_ shape: [Int], scale: Float = 0.3, offset: Float = 0) -> Tensor {
            Tensor(shape: shape, data: (0..<shape.reduce(1, *)).map { _ in offset + scale * rng.nextSigned() })
        }
        weights["model.embed_tokens.weight"] = t([vocabSize, d], scale: 1)
        for i in 0..<layers {
            let p = "model.layers.\(i)."
            weights[p + "input_layernorm.weight"] = t([d], scale: 0.2, offset: 1)
            weights[p + "self_attn.q_proj.weight"] = t([d, d])
            weights[p + "self_attn.k_proj.weight"] = t([kv, d])
            weights[p + "self_attn.v_proj.weight"] = t([kv, d])
            weights[p + "self_attn.o_proj.weight"] = t([d, d])
            weights[p + "post_attention_layernorm.weight"] = t([d], scale: 0.2, offset: 1)
            weights[p + "mlp.gate_proj.weight"] = t([f, d])
            weights[p + "mlp.up_proj.weight"] = t([f, d])
            weights[p + "mlp.down_proj.weight"] = t([d, f])
        }
        weights["model.norm.weight"] = t([d], scale: 0.2, offset: 1)
    }

    public func configJSON() -> Data {
        let config: [String: Any] = [
            "architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_act": "silu",
            "hidden_size": hidden, "intermediate_size": intermediate, "num_hidden_layers": layers,
            "num_attention_heads": heads, "num_key_value_heads": keyValueHeads, "vocab_size": vocabSize,
            "max_position_embeddings": maxPositions, "rope_theta": 10_000.0, "rms_norm_eps": 1e-5,
            "tie_word_embeddings": true,
        ]
        return try! JSONSerialization.data(withJSONObject: config, options: [.sortedKeys])
    }

    /// Writes the model folder.
    public func write(to folder: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try configJSON().write(to: folder.appendingPathComponent("config.json"))
        try FileManager.default.copyItem(at: Self.tokenizerFile, to: folder.appendingPathComponent("tokenizer.json"))
        var writer = SafeTensorsWriter()
        for name in weights.keys.sorted() { writer.add(name, weights[name]!) }
        try writer.write(to: folder.appendingPathComponent("model.safetensors").path)
    }
}
