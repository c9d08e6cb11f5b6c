// Loading a Llama decoder from a GGUF file (tensors dequantised to Float32 once, at load).

import ModelFormats

extension LlamaDecoder {
    /// The decoder of `file`: `LlamaConfig(gguf:)` sizes, `token_embd`, `blk.i.{attn_norm, attn_q, attn_k, attn_v,
    /// attn_output, ffn_norm, ffn_gate, ffn_up, ffn_down}`, `output_norm`, and `output` when the output
    /// embedding is not tied. Every tensor's dimensions are checked against the config.
    public static func load(gguf file: GGUFFile) throws -> LlamaDecoder {
        let c = try LlamaConfig(gguf: file)
        func tensor(_ name: String, _ dimensions: [Int]) throws -> [Float] {
            guard let info = file.info(name) else {
                throw TransformerError.invalidDecoder(path: file.path, reason: "tensor '\(name)' is missing")
            }
            guard info.dimensions == dimensions else {
                throw TransformerError.invalidDecoder(
                    path: file.path,
                    reason: "tensor '\(name)' has dimensions \(info.dimensions), the config implies \(dimensions)")
            }
            let values = try file.floats(name)
            guard values.allSatisfy(\.isFinite) else {
                throw TransformerError.nonFiniteWeight(path: file.path, tensor: name)
            }
            return values
        }
        let d = c.hiddenSize, f = c.intermediateSize, kv = c.keyValueSize
        let layers = try (0..<c.layers).map { i in
            let p = "blk.\(i)."
            return LlamaLayerWeights(
                attentionNorm: try tensor(p + "attn_norm.weight", [d]), query: try tensor(p + "attn_q.weight", [d, d]),
                key: try tensor(p + "attn_k.weight", [d, kv]), value: try tensor(p + "attn_v.weight", [d, kv]),
                output: try tensor(p + "attn_output.weight", [d, d]),
                feedForwardNorm: try tensor(p + "ffn_norm.weight", [d]),
                gate: try tensor(p + "ffn_gate.weight", [d, f]),
                up: try tensor(p + "ffn_up.weight", [d, f]), down: try tensor(p + "ffn_down.weight", [f, d]))
        }
        let output = file.info("output.weight") == nil ? nil : try tensor("output.weight", [d, c.vocabularySize])
        return LlamaDecoder(
            config: c, embedding: try tensor("token_embd.weight", [d, c.vocabularySize]), layers: layers,
            finalNorm: try tensor("output_norm.weight", [d]), outputEmbedding: output)
    }
}
