// One BERT layer's four projections, prepared once at load for the base's precision.

import TensorCore

/// Wqkv [3d, d], Wo [d, d], W1 [f, d] and W2 [d, f]: packed float panels for fp32 (`PackedMatrix`), or quantised
/// per output channel and block of inputs for int8 (`Int8Matrix`); biases, norms, attention and the LoRA paths
/// stay in float either way.
public struct LayerProjections: Sendable {
    public let qkv: any Projection
    public let attentionOutput: any Projection
    public let intermediate: any Projection
    public let output: any Projection

    public init(_ w: BertLayerWeights, config c: BertConfig, precision: Precision) {
        let d = c.hiddenSize, f = c.intermediateSize
        qkv = precision.projection(w.qkvWeight, outputs: 3 * d, inputs: d)
        attentionOutput = precision.projection(w.attentionOutputWeight, outputs: d, inputs: d)
        intermediate = precision.projection(w.intermediateWeight, outputs: f, inputs: d)
        output = precision.projection(w.outputWeight, outputs: d, inputs: f)
    }
}
