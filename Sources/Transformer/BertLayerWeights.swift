// The frozen weights of one post-LayerNorm BERT layer, in the layout the forward pass uses.

/// Weights of one BERT layer. Linear weights are stored [out, in], as in the checkpoint.
///
/// Shapes (d hidden, f intermediate): qkvWeight [3d, d] (query, key, value rows stacked, so one GEMM projects all
/// three), qkvBias [3d]; attentionOutputWeight [d, d]; intermediateWeight [f, d]; outputWeight [d, f];
/// LayerNorm gammas and betas [d].
public struct BertLayerWeights: Sendable {
    public let qkvWeight: [Float]
    public let qkvBias: [Float]
    public let attentionOutputWeight: [Float]
    public let attentionOutputBias: [Float]
    public let attentionNormGamma: [Float]
    public let attentionNormBeta: [Float]
    public let intermediateWeight: [Float]
    public let intermediateBias: [Float]
    public let outputWeight: [Float]
    public let outputBias: [Float]
    public let outputNormGamma: [Float]
    public let outputNormBeta: [Float]

    public init(
        qkvWeight: [Float], qkvBias: [Float], attentionOutputWeight: [Float], attentionOutputBias: [Float],
        attentionNormGamma: [Float], attentionNormBeta: [Float], intermediateWeight: [Float],
        intermediateBias: [Float], outputWeight: [Float], outputBias: [Float], outputNormGamma: [Float],
        outputNormBeta: [Float]
    ) {
        self.qkvWeight = qkvWeight
        self.qkvBias = qkvBias
        self.attentionOutputWeight = attentionOutputWeight
        self.attentionOutputBias = attentionOutputBias
        self.attentionNormGamma = attentionNormGamma
        self.attentionNormBeta = attentionNormBeta
        self.intermediateWeight = intermediateWeight
        self.intermediateBias = intermediateBias
        self.outputWeight = outputWeight
        self.outputBias = outputBias
        self.outputNormGamma = outputNormGamma
        self.outputNormBeta = outputNormBeta
    }

    /// The checkpoint tensor names of layer `index` (after the model prefix), with the shapes `config` implies.
    static func tensorShapes(layer index: Int, config c: BertConfig) -> [(String, [Int])] {
        let p = "encoder.layer.\(index)."
        let d = c.hiddenSize, f = c.intermediateSize
        return [
            (p + "attention.self.query.weight", [d, d]), (p + "attention.self.query.bias", [d]),
            (p + "attention.self.key.weight", [d, d]), (p + "attention.self.key.bias", [d]),
            (p + "attention.self.value.weight", [d, d]), (p + "attention.self.value.bias", [d]),
            (p + "attention.output.dense.weight", [d, d]), (p + "attention.output.dense.bias", [d]),
            (p + "attention.output.LayerNorm.weight", [d]), (p + "attention.output.LayerNorm.bias", [d]),
            (p + "intermediate.dense.weight", [f, d]), (p + "intermediate.dense.bias", [f]),
            (p + "output.dense.weight", [d, f]), (p + "output.dense.bias", [d]),
            (p + "output.LayerNorm.weight", [d]), (p + "output.LayerNorm.bias", [d]),
        ]
    }
}
