// Loading a Llama decoder from a Hugging Face folder: config.json and model.safetensors (or its shards).

import Foundation
import ModelFormats

extension LlamaDecoder {
    /// The decoder of a Hugging Face `LlamaForCausalLM` folder. Query and key rows are permuted into GGUF order
    /// (within each head, row (half j, index i) moves to (i, j)), so that the one RoPE kernel serves both forms.
    public static func load(folder: String) throws -> LlamaDecoder {
        let dir = URL(fileURLWithPath: folder)
        let configPath = dir.appendingPathComponent("config.json").path
        let config = try LlamaConfig(huggingFace: configPath)
        let files = try weightFiles(dir)
        func tensor(_ name: String, _ shape: [Int]) throws -> [Float] {
            guard let file = files[name] else {
                throw TransformerError.invalidDecoder(path: folder, reason: "tensor '\(name)' is missing")
            }
            guard let info = file.info(name), info.shape == shape else {
                throw TransformerError.invalidDecoder(
                    path: file.path,
                    reason: "tensor '\(name)' has shape \(file.info(name)?.shape ?? []), the config implies \(shape)")
            }
            let values: [Float]
            do { values = try file.tensor(name).data } catch let error as ModelFormatsError {
                throw TransformerError.weightsUnreadable(path: file.path, reason: error.description)
            }
            guard values.allSatisfy(\.isFinite) else {
                throw TransformerError.nonFiniteWeight(path: file.path, tensor: name)
            }
            return values
        }
        let d = config.hiddenSize, f = config.intermediateSize, kv = config.keyValueSize, h = config.headSize
        let layers = try (0..<config.layers).map { i in
            let p = "model.layers.\(i)."
            return LlamaLayerWeights(
                attentionNorm: try tensor(p + "input_layernorm.weight", [d]),
                query: Self.toGGUFOrder(
                    try tensor(p + "self_attn.q_proj.weight", [d, d]), heads: config.heads, headSize: h, columns: d),
                key: Self.toGGUFOrder(
                    try tensor(p + "self_attn.k_proj.weight", [kv, d]), heads: config.keyValueHeads, headSize: h,
                    columns: d),
                value: try tensor(p + "self_attn.v_proj.weight", [kv, d]),
                output: try tensor(p + "self_attn.o_proj.weight", [d, d]),
                feedForwardNorm: try tensor(p + "post_attention_layernorm.weight", [d]),
                gate: try tensor(p + "mlp.gate_proj.weight", [f, d]), up: try tensor(p + "mlp.up_proj.weight", [f, d]),
                down: try tensor(p + "mlp.down_proj.weight", [d, f]))
        }
        let embedding = try tensor("model.embed_tokens.weight", [config.vocabularySize, d])
        let output = files["lm_head.weight"] == nil ? nil : try tensor("lm_head.weight", [config.vocabularySize, d])
        return LlamaDecoder(
            config: config, embedding: embedding, layers: layers, finalNorm: try tensor("model.norm.weight", [d]),
            outputEmbedding: output)
    }

    /// Rows of a [heads·h, columns] projection from Hugging Face's rotate-half order to GGUF's adjacent pairs.
    static func toGGUFOrder(_ w: [Float], heads: Int, headSize h: Int, columns: Int) -> [Float] {
        var out = w
        for head in 0..<heads {
            for j in 0..<2 {
                for i in 0..<(h / 2) {
                    let from = (head * h + j * (h / 2) + i) * columns, to = (head * h + 2 * i + j) * columns
                    for c in 0..<columns { out[to + c] = w[from + c] }
                }
            }
        }
        return out
    }

    /// Tensor name → the safetensors file holding it: `model.safetensors`, or the shards its index names.
    static func weightFiles(_ dir: URL) throws -> [String: SafeTensorsFile] {
        func open(_ name: String) throws -> SafeTensorsFile {
            let path = dir.appendingPathComponent(name).path
            do { return try SafeTensorsFile(path: path) } catch let error as ModelFormatsError {
                throw TransformerError.weightsUnreadable(path: path, reason: error.description)
            }
        }
        let single = dir.appendingPathComponent("model.safetensors").path
        if FileManager.default.fileExists(atPath: single) {
            let file = try open("model.safetensors")
            return Dictionary(uniqueKeysWithValues: file.names.map { ($0, file) })
        }
        let indexPath = dir.appendingPathComponent("model.safetensors.index.json").path
        guard let data = FileManager.default.contents(atPath: indexPath),
            let index = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
            let map = index["weight_map"] as? [String: String]
        else {
            throw TransformerError.missingFile(
                path: single, hint: "the folder has neither model.safetensors nor model.safetensors.index.json")
        }
        var shards: [String: SafeTensorsFile] = [:]
        var files: [String: SafeTensorsFile] = [:]
        for (tensor, shard) in map {
            guard !shard.contains("/") else {
                throw TransformerError.invalidConfig(path: indexPath, reason: "shard '\(shard)' is not a file name")
            }
            if shards[shard] == nil { shards[shard] = try open(shard) }
            files[tensor] = shards[shard]
        }
        return files
    }
}
