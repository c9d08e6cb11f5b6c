// A frozen Llama-architecture decoder: token embedding, pre-norm blocks with rotary grouped-query causal
// attention and a SwiGLU feed-forward, a final RMSNorm, and the (tied) output embedding.

import TensorCore

/// A loaded, immutable decoder. Thread-safe: `forward` allocates its own work buffers.
///
/// Shape letters as in `LlamaConfig`; N tokens in all (sequences packed, no padding; each attends causally
/// within itself only).
public final class LlamaDecoder: Sendable {
    public let config: LlamaConfig
    /// [V, d].
    public let embedding: [Float]
    public let layers: [LlamaLayerWeights]
    /// [d].
    public let finalNorm: [Float]
    /// [V, d]; nil when tied to `embedding`.
    public let outputEmbedding: [Float]?
    /// The arithmetic of the blocks' projections: fp32 (OpenBLAS on the float weights) or int8.
    public let precision: Precision
    /// Per block, the projections quantised for int8; nil in fp32 (the float weights serve directly, and a packed
    /// float copy would double the decoder's memory). Training always reads the float weights.
    public let projections: [DecoderProjections]?
    let rope: RotaryEmbedding

    public init(
        config: LlamaConfig, embedding: [Float], layers: [LlamaLayerWeights], finalNorm: [Float],
        outputEmbedding: [Float]?, precision: Precision = .fp32
    ) {
        precondition(layers.count == config.layers, "layer count does not match the config")
        self.config = config
        self.embedding = embedding
        self.layers = layers
        self.finalNorm = finalNorm
        self.outputEmbedding = outputEmbedding
        self.precision = precision
        projections =
            precision == .fp32 ? nil : layers.map { DecoderProjections($0, config: config, precision: precision) }
        rope = RotaryEmbedding(headSize: config.headSize, dimensions: config.ropeDimensions, base: config.ropeBase)
    }

    /// The same weights with projections in `precision` (self when it already is).
    public func with(precision: Precision) -> LlamaDecoder {
        precision == self.precision
            ? self
            : LlamaDecoder(
                config: config, embedding: embedding, layers: layers, finalNorm: finalNorm,
                outputEmbedding: outputEmbedding, precision: precision)
    }

    /// Checks that every id is in the vocabulary and every sequence is non-empty and fits the context.
    public func validate(_ batch: PackedBatch) throws {
        for s in 0..<batch.count where batch.length(s) == 0 { throw TransformerError.emptySequence(index: s) }
        for id in batch.tokenIds where id < 0 || Int(id) >= config.vocabularySize {
            throw TransformerError.tokenOutOfRange(id: id, vocabularySize: config.vocabularySize)
        }
        for s in 0..<batch.count where batch.length(s) > config.contextLength {
            throw TransformerError.sequenceTooLong(length: batch.length(s), maxPositions: config.contextLength)
        }
    }

    /// Final hidden states [N, d] (after the final RMSNorm) of every token, in packed order.
    /// - Parameter feedForward: replaces the frozen FFN of every block when given (the MoE-CL model).
    public func hiddenStates(_ batch: PackedBatch, feedForward: (any FeedForward)? = nil) throws -> [Float] {
        try validate(batch)
        var x = [Float](repeating: 0, count: batch.tokenCount * config.hiddenSize)
        x.withUnsafeMutableBufferPointer { embed(batch, into: $0.baseAddress!) }
        return try hiddenStates(batch, embeddings: x, feedForward: feedForward)
    }

    /// x[N, d] = embedding[id] per token; `batch` must be validated.
    public func embed(_ batch: PackedBatch, into x: UnsafeMutablePointer<Float>) {
        let d = config.hiddenSize
        embedding.withUnsafeBufferPointer { e in
            for i in 0..<batch.tokenCount {
                (x + i * d).update(from: e.baseAddress! + Int(batch.tokenIds[i]) * d, count: d)
            }
        }
    }

    /// Final hidden states [N, d] from given input rows x0 [N, d] in place of the token embeddings.
    public func hiddenStates(_ batch: PackedBatch, embeddings x0: [Float], feedForward: (any FeedForward)? = nil)
        throws -> [Float]
    {
        let n = batch.tokenCount, d = config.hiddenSize
        precondition(x0.count == n * d, "one input row per token")
        var x = x0
        var out = x
        x.withUnsafeMutableBufferPointer { xb in
            let work = DecoderWorkspace(tokens: n, config: config)
            defer { work.deallocate() }
            for (index, layer) in layers.enumerated() {
                runBlock(
                    layer, projections: projections?[index], index: index, x: xb.baseAddress!, batch: batch,
                    feedForward: feedForward, work: work)
            }
            finalNorm.withUnsafeBufferPointer { w in
                out.withUnsafeMutableBufferPointer { o in
                    RMSNorm.forward(
                        xb.baseAddress!, rows: n, dim: d, weight: w.baseAddress!, eps: config.rmsEps,
                        into: o.baseAddress!)
                }
            }
        }
        return out
    }

    /// The final hidden state [d] of each sequence's last token.
    public func lastHiddenStates(_ batch: PackedBatch) throws -> [[Float]] {
        let hidden = try hiddenStates(batch)
        let d = config.hiddenSize
        return (0..<batch.count).map { s in
            let last = batch.offsets[s + 1] - 1
            return Array(hidden[(last * d)..<((last + 1) * d)])
        }
    }

    /// Next-token logits [V] from final hidden states [rows, d]: hidden · Eᵀ with the output embedding.
    public func logits(_ hidden: [Float], rows: Int) -> [Float] {
        let d = config.hiddenSize, v = config.vocabularySize
        precondition(hidden.count == rows * d, "hidden states are [rows, d]")
        var out = [Float](repeating: 0, count: rows * v)
        (outputEmbedding ?? embedding).withUnsafeBufferPointer { e in
            hidden.withUnsafeBufferPointer { h in
                out.withUnsafeMutableBufferPointer { o in
                    BLAS.gemmNT(
                        m: rows, n: v, k: d, a: h.baseAddress!, lda: d, b: e.baseAddress!, ldb: d,
                        c: o.baseAddress!, ldc: v)
                }
            }
        }
        return out
    }
}
