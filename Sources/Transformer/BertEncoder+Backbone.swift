// The BERT encoder as a `Backbone`.

extension BertEncoder: Backbone {
    public var shape: BackboneShape {
        BackboneShape(
            family: .bert, hiddenSize: config.hiddenSize, intermediateSize: config.intermediateSize,
            layers: config.numHiddenLayers, maxPositions: config.maxPositionEmbeddings,
            vocabularySize: config.vocabSize, activation: .gelu, readout: .meanPooling)
    }

    public func feedForwardWeights(layer: Int) -> FeedForwardWeights { layers[layer].feedForward }
}
