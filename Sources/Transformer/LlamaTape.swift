// What a training forward through the decoder keeps for its backward: every block's activations.

/// Per block, for N tokens: its input x [N, d]; the attention norm's output a [N, d]; the rotated query q [N, d]
/// and key k [N, Hk·h], the value v [N, Hk·h]; the attention context [N, d]; the input of the FFN norm (x after
/// the attention residual) [N, d] and its output b [N, d]; the gate and up projections g, u [N, f] (before
/// SwiGLU). After the blocks: the final norm's input [N, d].
public struct LlamaTape: Sendable {
    public struct Block: Sendable {
        public var input, attentionNormed, query, key, value, context, middle, feedForwardNormed, gate, up: [Float]
    }

    public var blocks: [Block] = []
    public var finalInput: [Float] = []
}
