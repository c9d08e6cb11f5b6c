// What the layers above a base model need to know of it: sizes, FFN form, how a sequence is read out.

/// The family-independent description of a frozen base: experts, heads and gates are sized from it.
public struct BackboneShape: Sendable, Equatable {
    /// The architecture family (named in expert files and error messages).
    public enum Family: String, Sendable {
        case bert
        case llama
    }

    /// How one vector per sequence is taken from the final hidden states.
    public enum Readout: String, Sendable {
        /// Mean over the sequence's tokens (sentence encoders).
        case meanPooling = "mean"
        /// The last token's state (decoders: the only one that has seen the whole prompt).
        case lastToken = "last_token"
    }

    public let family: Family
    public let hiddenSize: Int
    public let intermediateSize: Int
    public let layers: Int
    /// Longest sequence in tokens.
    public let maxPositions: Int
    public let vocabularySize: Int
    public let activation: FeedForwardWeights.Activation
    public let readout: Readout

    public init(
        family: Family, hiddenSize: Int, intermediateSize: Int, layers: Int, maxPositions: Int, vocabularySize: Int,
        activation: FeedForwardWeights.Activation, readout: Readout
    ) {
        self.family = family
        self.hiddenSize = hiddenSize
        self.intermediateSize = intermediateSize
        self.layers = layers
        self.maxPositions = maxPositions
        self.vocabularySize = vocabularySize
        self.activation = activation
        self.readout = readout
    }

    /// Whether the FFN is a gated unit (three projections: W1, W3 into f, W2 back).
    public var isGated: Bool { activation == .swiGLU }

    /// One line for logs and `inspect`: "llama, 30 layers, d 576, f 1536".
    public var summary: String {
        "\(family.rawValue), \(layers) layers, d \(hiddenSize), f \(intermediateSize)"
    }
}
