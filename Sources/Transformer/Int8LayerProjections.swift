// One BERT layer's four projections in int8 (`--precision int8`).

import TensorCore

/// Wqkv [3d, d], Wo [d, d], W1 [f, d] and W2 [d, f] quantised per output channel and block of inputs
/// (`Int8Matrix`); biases, norms, attention and the LoRA paths stay in float.
public struct Int8LayerProjections: Sendable {
    public let qkv: Int8Matrix
    public let attentionOutput: Int8Matrix
    public let intermediate: Int8Matrix
    public let output: Int8Matrix

    public init(_ w: BertLayerWeights, config c: BertConfig) {
        let d = c.hiddenSize, f = c.intermediateSize
        qkv = Int8Matrix(weights: w.qkvWeight, outputs: 3 * d, inputs: d)
        attentionOutput = Int8Matrix(weights: w.attentionOutputWeight, outputs: d, inputs: d)
        intermediate = Int8Matrix(weights: w.intermediateWeight, outputs: f, inputs: d)
        output = Int8Matrix(weights: w.outputWeight, outputs: d, inputs: f)
    }
}
