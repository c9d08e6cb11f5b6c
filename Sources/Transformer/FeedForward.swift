// The seam where a model replaces the FFN sub-layer of every encoder layer (MoE-CL experts plug in here).

/// Computes the feed-forward output of one layer in place of the frozen FFN.
///
/// Shapes: x [N, d] (the layer's attention output after its LayerNorm), scratch [N, f], y [N, d].
public protocol FeedForward {
    /// Whether `y` already contains the output bias b2. When false the encoder adds b2 inside the residual
    /// LayerNorm, exactly as it does for the frozen FFN.
    var includesOutputBias: Bool { get }

    /// Writes y[N, d] = FFN_layer(x) for the batch's N tokens.
    /// - Parameters:
    ///   - layer: layer index, from 0.
    ///   - weights: the frozen weights of that layer (W1, b1, W2, b2 among them).
    ///   - batch: the packed batch (which sequence each row belongs to).
    func apply(
        layer: Int, weights: BertLayerWeights, input x: UnsafePointer<Float>, batch: PackedBatch,
        scratch: UnsafeMutablePointer<Float>, output y: UnsafeMutablePointer<Float>)
}
