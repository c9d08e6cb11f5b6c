// The BERT hyper-parameters read from a model folder's config.json and pooling config.

import Foundation

/// Sizes and settings of a BERT-family encoder; names follow the keys of `config.json`.
public struct BertConfig: Sendable, Equatable {
    public var vocabSize: Int
    public var hiddenSize: Int
    public var numHiddenLayers: Int
    public var numAttentionHeads: Int
    public var intermediateSize: Int
    public var maxPositionEmbeddings: Int
    public var typeVocabSize: Int
    public var layerNormEps: Float

    /// Per-head size (hidden / heads).
    public var headSize: Int { hiddenSize / numAttentionHeads }

    public init(
        vocabSize: Int, hiddenSize: Int, numHiddenLayers: Int, numAttentionHeads: Int,
        intermediateSize: Int, maxPositionEmbeddings: Int, typeVocabSize: Int = 2, layerNormEps: Float = 1e-12
    ) {
        self.vocabSize = vocabSize
        self.hiddenSize = hiddenSize
        self.numHiddenLayers = numHiddenLayers
        self.numAttentionHeads = numAttentionHeads
        self.intermediateSize = intermediateSize
        self.maxPositionEmbeddings = maxPositionEmbeddings
        self.typeVocabSize = typeVocabSize
        self.layerNormEps = layerNormEps
    }

    /// Reads `config.json` and checks that it describes an encoder this code runs (post-LN BERT, exact GELU,
    /// absolute positions) and, when `1_Pooling/config.json` exists, that pooling is mean pooling.
    public static func load(folder: String) throws -> BertConfig {
        let path = URL(fileURLWithPath: folder).appendingPathComponent("config.json").path
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TransformerError.missingFile(
                path: path, hint: "point --model at a BERT model folder (make setup fetches the default one)")
        }
        guard let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw TransformerError.invalidConfig(path: path, reason: "not a JSON object")
        }
        func int(_ key: String, default value: Int? = nil) throws -> Int {
            if let v = json[key] as? Int, v > 0 { return v }
            if json[key] == nil, let value { return value }
            throw TransformerError.invalidConfig(path: path, reason: "'\(key)' must be a positive integer")
        }
        if let act = json["hidden_act"] as? String, act != "gelu" {
            throw TransformerError.unsupported(path: path, what: "hidden_act '\(act)' (only exact 'gelu')")
        }
        if let pos = json["position_embedding_type"] as? String, pos != "absolute" {
            throw TransformerError.unsupported(path: path, what: "position_embedding_type '\(pos)'")
        }
        let eps = (json["layer_norm_eps"] as? Double).map { Float($0) } ?? 1e-12
        let config = BertConfig(
            vocabSize: try int("vocab_size"), hiddenSize: try int("hidden_size"),
            numHiddenLayers: try int("num_hidden_layers"), numAttentionHeads: try int("num_attention_heads"),
            intermediateSize: try int("intermediate_size"),
            maxPositionEmbeddings: try int("max_position_embeddings"),
            typeVocabSize: try int("type_vocab_size", default: 2), layerNormEps: eps)
        guard config.hiddenSize % config.numAttentionHeads == 0 else {
            throw TransformerError.invalidConfig(
                path: path,
                reason:
                    "hidden_size \(config.hiddenSize) is not a multiple of num_attention_heads "
                    + "\(config.numAttentionHeads)"
            )
        }
        guard eps > 0, eps < 1 else {
            throw TransformerError.invalidConfig(path: path, reason: "layer_norm_eps \(eps)")
        }
        try checkPooling(folder: folder)
        return config
    }

    private static func checkPooling(folder: String) throws {
        let path = URL(fileURLWithPath: folder).appendingPathComponent("1_Pooling/config.json").path
        guard let data = FileManager.default.contents(atPath: path) else { return }
        guard let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw TransformerError.invalidConfig(path: path, reason: "not a JSON object")
        }
        if json["pooling_mode_mean_tokens"] as? Bool != true {
            throw TransformerError.unsupported(path: path, what: "pooling other than mean pooling")
        }
    }
}
