// The Llama decoder as a `Backbone`.

extension LlamaDecoder: Backbone {
    public var shape: BackboneShape {
        BackboneShape(
            family: .llama, hiddenSize: config.hiddenSize, intermediateSize: config.intermediateSize,
            layers: config.layers, maxPositions: config.contextLength, vocabularySize: config.vocabularySize,
            activation: .swiGLU, readout: .lastToken)
    }

    public func feedForwardWeights(layer: Int) -> FeedForwardWeights { layers[layer].feedForward }
}
