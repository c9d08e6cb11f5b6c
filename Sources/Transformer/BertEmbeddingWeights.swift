// The frozen embedding tables of a BERT model and their LayerNorm.

/// Embedding weights. Shapes (V vocabulary, P positions, Y token types, d hidden): word [V, d], position [P, d],
/// tokenType [Y, d], normGamma and normBeta [d].
public struct BertEmbeddingWeights: Sendable {
    public let word: [Float]
    public let position: [Float]
    public let tokenType: [Float]
    public let normGamma: [Float]
    public let normBeta: [Float]

    public init(word: [Float], position: [Float], tokenType: [Float], normGamma: [Float], normBeta: [Float]) {
        self.word = word
        self.position = position
        self.tokenType = tokenType
        self.normGamma = normGamma
        self.normBeta = normBeta
    }

    /// Checkpoint tensor names (after the model prefix) with the shapes `config` implies.
    static func tensorShapes(config c: BertConfig) -> [(String, [Int])] {
        let d = c.hiddenSize
        return [
            ("embeddings.word_embeddings.weight", [c.vocabSize, d]),
            ("embeddings.position_embeddings.weight", [c.maxPositionEmbeddings, d]),
            ("embeddings.token_type_embeddings.weight", [c.typeVocabSize, d]),
            ("embeddings.LayerNorm.weight", [d]), ("embeddings.LayerNorm.bias", [d]),
        ]
    }
}
