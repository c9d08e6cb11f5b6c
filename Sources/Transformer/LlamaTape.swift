// What a training forward through the decoder keeps for its backward: every block's activations.

/// Per block, for N tokens: the attention sub-layer's saved tensors (`Attention`), and for the frozen FFN its
/// norm's output b [N, d] and the gate and up projections g, u [N, f] (before SwiGLU). After the blocks: the
/// final norm's input [N, d].
public struct LlamaTape: Sendable {
    /// One attention sub-layer: its input x [N, d], the rotated query q [N, d] and key k [N, Hk·h], the value
    /// v [N, Hk·h], the context [N, d], and its output `middle` = x + context·Woᵀ [N, d] (the FFN norm's input).
    public struct Attention: Sendable {
        public var input, query, key, value, context, middle: [Float]
    }

    public struct Block: Sendable {
        public var attention: Attention
        public var feedForwardNormed, gate, up: [Float]
    }

    public var blocks: [Block] = []
    public var finalInput: [Float] = []
}
