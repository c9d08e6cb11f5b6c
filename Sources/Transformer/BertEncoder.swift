// The frozen BERT encoder: embeddings, post-LayerNorm layers, mean pooling; projections prepared once at load.

import TensorCore

/// A loaded, immutable BERT encoder. Thread-safe: `forward` allocates its own work buffers.
///
/// Shape letters: S sequences, N tokens in all (packed, no padding), T tokens of one sequence, d hidden,
/// H heads, h = d / H per head, f intermediate.
public final class BertEncoder: Sendable {
    public let config: BertConfig
    public let embeddings: BertEmbeddingWeights
    public let layers: [BertLayerWeights]
    /// The arithmetic of the four projections per layer.
    public let precision: Precision
    /// Per layer, the four projections prepared for `precision`.
    let projections: [LayerProjections]

    /// Creates an encoder from weights already checked against `config` (see `BertEncoder.load`); the projections
    /// are packed (fp32) or quantised (int8) here, once.
    public init(
        config: BertConfig, embeddings: BertEmbeddingWeights, layers: [BertLayerWeights],
        precision: Precision = .fp32
    ) {
        precondition(layers.count == config.numHiddenLayers, "layer count does not match the config")
        self.config = config
        self.embeddings = embeddings
        self.layers = layers
        self.precision = precision
        projections = layers.map { LayerProjections($0, config: config, precision: precision) }
    }

    /// The same weights with projections in `precision` (self when it already is).
    public func with(precision: Precision) -> BertEncoder {
        precision == self.precision
            ? self : BertEncoder(config: config, embeddings: embeddings, layers: layers, precision: precision)
    }

    /// Checks that every id is in the vocabulary and every sequence fits the position table.
    public func validate(_ batch: PackedBatch) throws {
        for s in 0..<batch.count where batch.length(s) == 0 { throw TransformerError.emptySequence(index: s) }
        for id in batch.tokenIds where id < 0 || Int(id) >= config.vocabSize {
            throw TransformerError.tokenOutOfRange(id: id, vocabularySize: config.vocabSize)
        }
        for p in batch.positions where Int(p) >= config.maxPositionEmbeddings {
            throw TransformerError.sequenceTooLong(length: Int(p) + 1, maxPositions: config.maxPositionEmbeddings)
        }
    }

    /// Final hidden states [N, d] of every token of the batch, row-major, in packed order.
    /// - Parameter feedForward: replaces the frozen FFN of every layer when given (the MoE-CL model).
    public func hiddenStates(_ batch: PackedBatch, feedForward: (any FeedForward)? = nil) throws -> [Float] {
        try validate(batch)
        let n = batch.tokenCount, d = config.hiddenSize
        var x = [Float](repeating: 0, count: n * d)
        x.withUnsafeMutableBufferPointer { xb in
            embed(batch, into: xb.baseAddress!)
            var work = EncoderWorkspace(
                tokens: n, config: config, longest: (0..<batch.count).map(batch.length).max() ?? 0)
            for (index, layer) in layers.enumerated() {
                runLayer(
                    layer, projections: projections[index], index: index, x: xb.baseAddress!,
                    batch: batch, feedForward: feedForward, work: &work)
            }
            work.deallocate()
        }
        return x
    }

    /// Mean-pooled embedding [d] of each sequence, optionally L2-normalised.
    public func pooled(_ batch: PackedBatch, normalize: Bool = false) throws -> [[Float]] {
        let hidden = try hiddenStates(batch)
        let d = config.hiddenSize
        return (0..<batch.count).map { s in
            var v = Pooling.mean(hidden, rows: batch.offsets[s]..<batch.offsets[s + 1], dim: d)
            if normalize { Pooling.normalizeL2(&v) }
            return v
        }
    }

    /// Mean-pooled embeddings of plain id sequences (each with its special tokens).
    public func pooled(sequences: [[Int32]], normalize: Bool = false) throws -> [[Float]] {
        try pooled(PackedBatch(sequences: sequences), normalize: normalize)
    }

    /// x[N, d] = LayerNorm(word[id] + position[pos] + tokenType[0]); `batch` must be validated.
    public func embed(_ batch: PackedBatch, into x: UnsafeMutablePointer<Float>) {
        let d = config.hiddenSize
        embeddings.word.withUnsafeBufferPointer { word in
            embeddings.position.withUnsafeBufferPointer { pos in
                embeddings.tokenType.withUnsafeBufferPointer { type in
                    for i in 0..<batch.tokenCount {
                        let w = word.baseAddress! + Int(batch.tokenIds[i]) * d
                        let p = pos.baseAddress! + Int(batch.positions[i]) * d
                        let row = x + i * d
                        for j in 0..<d { row[j] = w[j] + p[j] + type[j] }
                    }
                }
            }
        }
        embeddings.normGamma.withUnsafeBufferPointer { g in
            embeddings.normBeta.withUnsafeBufferPointer { b in
                LayerNorm.forwardInPlace(
                    x, rows: batch.tokenCount, dim: d, residual: nil, bias: nil,
                    gamma: g.baseAddress!, beta: b.baseAddress!, eps: config.layerNormEps)
            }
        }
    }
}
