// The seam where a model replaces the FFN sub-layer of every layer of a base (MoE-CL experts plug in here).

/// Computes the feed-forward output of one layer in place of the frozen FFN.
///
/// Shapes: x [N, d] (the FFN's input: BERT's attention output after its LayerNorm, Llama's RMSNorm of the
/// residual stream), scratch [N, f], y [N, d].
public protocol FeedForward {
    /// Whether `y` already contains the output bias b2 (when the FFN has one). When false the encoder adds b2
    /// inside the residual LayerNorm, exactly as it does for the frozen FFN.
    var includesOutputBias: Bool { get }

    /// Writes y[N, d] = FFN_layer(x) for the batch's N tokens.
    /// - Parameters:
    ///   - layer: layer index, from 0.
    ///   - weights: the frozen FFN weights of that layer.
    ///   - batch: the packed batch (which sequence each row belongs to).
    func apply(
        layer: Int, weights: FeedForwardWeights, input x: UnsafePointer<Float>, batch: PackedBatch,
        scratch: UnsafeMutablePointer<Float>, output y: UnsafeMutablePointer<Float>)
}
