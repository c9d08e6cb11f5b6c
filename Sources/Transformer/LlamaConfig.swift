// The sizes of a Llama-architecture decoder, read from a GGUF file's metadata (nothing hard-coded).

import Foundation
import ModelFormats

/// Shape letters: d hidden, f FFN, H query heads, Hk key/value heads, h = d / H per head, L layers, V vocabulary.
public struct LlamaConfig: Sendable, Equatable {
    public var layers: Int
    public var hiddenSize: Int
    public var intermediateSize: Int
    public var heads: Int
    public var keyValueHeads: Int
    public var vocabularySize: Int
    public var contextLength: Int
    public var ropeBase: Float
    /// Values of each head that RoPE rotates (the head size unless the file says otherwise).
    public var ropeDimensions: Int
    public var rmsEps: Float

    public var headSize: Int { hiddenSize / heads }
    public var keyValueSize: Int { keyValueHeads * headSize }

    public init(
        layers: Int, hiddenSize: Int, intermediateSize: Int, heads: Int, keyValueHeads: Int, vocabularySize: Int,
        contextLength: Int, ropeBase: Float, ropeDimensions: Int, rmsEps: Float
    ) {
        self.layers = layers
        self.hiddenSize = hiddenSize
        self.intermediateSize = intermediateSize
        self.heads = heads
        self.keyValueHeads = keyValueHeads
        self.vocabularySize = vocabularySize
        self.contextLength = contextLength
        self.ropeBase = ropeBase
        self.ropeDimensions = ropeDimensions
        self.rmsEps = rmsEps
    }

    /// The `llama.*` keys of `file` (`general.architecture` must be "llama"); the vocabulary size is the token
    /// embedding's row count.
    public init(gguf file: GGUFFile) throws {
        func bad(_ reason: String) -> TransformerError { .invalidDecoder(path: file.path, reason: reason) }
        let arch = file.metadata["general.architecture"]?.string ?? "?"
        guard arch == "llama" else { throw bad("general.architecture is '\(arch)', not 'llama'") }
        func int(_ key: String, default value: Int? = nil) throws -> Int {
            if let v = file.metadata["llama.\(key)"]?.int { return v }
            if let value { return value }
            throw bad("the metadata has no integer 'llama.\(key)'")
        }
        func float(_ key: String, default value: Float) -> Float {
            file.metadata["llama.\(key)"]?.double.map(Float.init) ?? value
        }
        let heads = try int("attention.head_count")
        let hidden = try int("embedding_length")
        guard let embedding = file.info("token_embd.weight"), embedding.dimensions.count == 2 else {
            throw bad("there is no 2-dimensional 'token_embd.weight'")
        }
        self.init(
            layers: try int("block_count"), hiddenSize: hidden, intermediateSize: try int("feed_forward_length"),
            heads: heads, keyValueHeads: try int("attention.head_count_kv", default: heads),
            vocabularySize: embedding.dimensions[1], contextLength: try int("context_length", default: 2048),
            ropeBase: float("rope.freq_base", default: 10_000),
            ropeDimensions: try int("rope.dimension_count", default: hidden / max(1, heads)),
            rmsEps: float("attention.layer_norm_rms_epsilon", default: 1e-5))
        if let problem { throw bad(problem) }
    }

    /// Why these sizes cannot describe a decoder, or nil.
    public var problem: String? {
        if layers < 1 || hiddenSize < 1 || intermediateSize < 1 || vocabularySize < 1 { return "a size is below 1" }
        if heads < 1 || hiddenSize % heads != 0 {
            return "hidden size \(hiddenSize) is not a multiple of \(heads) heads"
        }
        if keyValueHeads < 1 || heads % keyValueHeads != 0 {
            return "\(heads) query heads are not a multiple of \(keyValueHeads) key/value heads"
        }
        if ropeDimensions < 2 || ropeDimensions % 2 != 0 || ropeDimensions > headSize {
            return "RoPE dimension count \(ropeDimensions) is not even and at most the head size \(headSize)"
        }
        if !(rmsEps > 0) || !(ropeBase > 0) { return "the RMSNorm epsilon and the RoPE base must be positive" }
        return nil
    }
}

extension LlamaConfig {
    /// A Hugging Face `config.json` of model_type "llama" (RoPE without scaling, no biases, SiLU).
    public init(huggingFace path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TransformerError.missingFile(path: path, hint: "point --model at a Llama model folder or GGUF file")
        }
        guard let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw TransformerError.invalidConfig(path: path, reason: "not a JSON object")
        }
        func int(_ key: String, default value: Int? = nil) throws -> Int {
            if let v = json[key] as? Int, v > 0 { return v }
            if json[key] == nil || json[key] is NSNull, let value { return value }
            throw TransformerError.invalidConfig(path: path, reason: "'\(key)' must be a positive integer")
        }
        let type = json["model_type"] as? String ?? "?"
        guard type == "llama" else { throw TransformerError.unsupported(path: path, what: "model_type '\(type)'") }
        if let act = json["hidden_act"] as? String, act != "silu" {
            throw TransformerError.unsupported(path: path, what: "hidden_act '\(act)' (Llama uses 'silu')")
        }
        for key in ["attention_bias", "mlp_bias"] where json[key] as? Bool == true {
            throw TransformerError.unsupported(path: path, what: "'\(key)'")
        }
        let rope = json["rope_parameters"] as? [String: Any] ?? json["rope_scaling"] as? [String: Any]
        if let kind = rope?["rope_type"] as? String ?? rope?["type"] as? String, kind != "default" {
            throw TransformerError.unsupported(path: path, what: "RoPE type '\(kind)'")
        }
        let theta = (rope?["rope_theta"] as? Double) ?? (json["rope_theta"] as? Double) ?? 10_000
        let heads = try int("num_attention_heads"), hidden = try int("hidden_size")
        if let headDim = json["head_dim"] as? Int, headDim * heads != hidden {
            throw TransformerError.unsupported(path: path, what: "head_dim \(headDim) × \(heads) heads ≠ hidden_size")
        }
        self.init(
            layers: try int("num_hidden_layers"), hiddenSize: hidden, intermediateSize: try int("intermediate_size"),
            heads: heads, keyValueHeads: try int("num_key_value_heads", default: heads),
            vocabularySize: try int("vocab_size"), contextLength: try int("max_position_embeddings", default: 2048),
            ropeBase: Float(theta), ropeDimensions: hidden / heads,
            rmsEps: Float(json["rms_norm_eps"] as? Double ?? 1e-6))
        if let problem { throw TransformerError.invalidConfig(path: path, reason: problem) }
    }
}
