// The frozen weights of one FFN sub-layer, in the one form both base families share.

import TensorCore

/// W1, W2 and (gated units only) W3 of one layer, each stored [out, in] row-major, with the biases BERT has.
///
/// - `.gelu` (BERT): y = W2 · GELU(W1·x + b1) + b2.
/// - `.swiGLU` (Llama): y = W2 · (silu(W1·x) ⊙ W3·x), W1 the gate projection, W3 the up projection.
///
/// Shapes: d hidden, f intermediate; W1 and W3 [f, d], W2 [d, f], b1 [f], b2 [d].
public struct FeedForwardWeights: Sendable {
    public enum Activation: String, Sendable {
        case gelu
        case swiGLU
    }

    public let activation: Activation
    public let hidden: Int
    public let intermediate: Int
    public let w1: [Float]
    public let b1: [Float]?
    public let w3: [Float]?
    public let w2: [Float]
    public let b2: [Float]?
    /// W1 and W2 prepared for the base's precision (a BERT base: packed float or int8; a decoder in int8; nil
    /// otherwise).
    public var projections: (w1: any Projection, w2: any Projection)?
    /// W3 (the up projection of a gated unit) prepared likewise, when `projections` is set on a gated unit.
    public var upProjection: (any Projection)?

    public init(
        activation: Activation, hidden: Int, intermediate: Int, w1: [Float], b1: [Float]?, w3: [Float]?,
        w2: [Float], b2: [Float]?
    ) {
        precondition(w1.count == hidden * intermediate && w2.count == hidden * intermediate, "W1 [f, d], W2 [d, f]")
        precondition((activation == .swiGLU) == (w3 != nil), "a gated unit has W3, GELU has none")
        self.activation = activation
        self.hidden = hidden
        self.intermediate = intermediate
        self.w1 = w1
        self.b1 = b1
        self.w3 = w3
        self.w2 = w2
        self.b2 = b2
    }
}

extension BertLayerWeights {
    /// This layer's FFN weights (GELU, with biases).
    public var feedForward: FeedForwardWeights {
        FeedForwardWeights(
            activation: .gelu, hidden: outputBias.count, intermediate: intermediateBias.count,
            w1: intermediateWeight, b1: intermediateBias, w3: nil, w2: outputWeight, b2: outputBias)
    }
}

extension LlamaLayerWeights {
    /// This block's FFN weights (SwiGLU, no biases).
    public var feedForward: FeedForwardWeights {
        FeedForwardWeights(
            activation: .swiGLU, hidden: feedForwardNorm.count, intermediate: gate.count / feedForwardNorm.count,
            w1: gate, b1: nil, w3: up, w2: down, b2: nil)
    }
}
