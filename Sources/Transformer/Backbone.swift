// The one abstraction over frozen base networks: MoE-CL, training and the service run any family through it.

/// A frozen transformer whose FFN sub-layers can be replaced (the MoE-CL experts plug in there).
///
/// Conformers: `BertEncoder` (post-norm encoder, mean pooling), `LlamaDecoder` (pre-norm causal decoder, last
/// token). Implementations are immutable and thread-safe.
public protocol Backbone: AnyObject, Sendable {
    var shape: BackboneShape { get }

    /// The FFN weights of layer `layer`.
    func feedForwardWeights(layer: Int) -> FeedForwardWeights

    /// Throws `TransformerError` for ids outside the vocabulary, empty or too long sequences.
    func validate(_ batch: PackedBatch) throws

    /// Final hidden states [N, d] of every token, with `feedForward` in place of every frozen FFN when given.
    func hiddenStates(_ batch: PackedBatch, feedForward: (any FeedForward)?) throws -> [Float]
}

extension Backbone {
    /// One vector [d] per sequence from final hidden states [N, d], by the shape's readout.
    public func readout(_ hidden: [Float], batch: PackedBatch) -> [[Float]] {
        let d = shape.hiddenSize
        return (0..<batch.count).map { s in
            let rows = batch.offsets[s]..<batch.offsets[s + 1]
            switch shape.readout {
            case .meanPooling: return Pooling.mean(hidden, rows: rows, dim: d)
            case .lastToken: return Array(hidden[((rows.upperBound - 1) * d)..<(rows.upperBound * d)])
            }
        }
    }
}
