// One decoder block's seven projections quantised once at load (the decoder's int8 path).

import TensorCore

/// Wq [d, d], Wk and Wv [Hk·h, d], Wo [d, d], W_gate and W_up [f, d], W_down [d, f] as `Int8Matrix` (scales per
/// output channel and block of 32 inputs). Built from the dequantised weights: a Q8_0 tensor (blocks of 32 along the
/// inputs, scale = amax / 127) comes back as its own int8 values; a Q4_1 tensor lands within half a Q8 step of its
/// values. Norms, RoPE, attention, SwiGLU and the LoRA paths stay in float.
public struct DecoderProjections: Sendable {
    public let query: any Projection
    public let key: any Projection
    public let value: any Projection
    public let output: any Projection
    public let gate: any Projection
    public let up: any Projection
    public let down: any Projection

    public init(_ w: LlamaLayerWeights, config c: LlamaConfig, precision: Precision) {
        let d = c.hiddenSize, kv = c.keyValueSize, f = c.intermediateSize
        query = precision.projection(w.query, outputs: d, inputs: d)
        key = precision.projection(w.key, outputs: kv, inputs: d)
        value = precision.projection(w.value, outputs: kv, inputs: d)
        output = precision.projection(w.output, outputs: d, inputs: d)
        gate = precision.projection(w.gate, outputs: f, inputs: d)
        up = precision.projection(w.up, outputs: f, inputs: d)
        down = precision.projection(w.down, outputs: d, inputs: f)
    }
}
