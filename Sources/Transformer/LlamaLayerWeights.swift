// One decoder block's weights, dequantised to Float32, each projection stored [out, in] row-major.

/// Shapes (`LlamaConfig` letters): norms [d]; query [d, d]; key and value [Hk·h, d]; output [d, d]; gate and
/// up [f, d]; down [d, f]. Query and key rows are in GGUF order (`RotaryEmbedding`).
public struct LlamaLayerWeights: Sendable {
    public let attentionNorm: [Float]
    public let query: [Float]
    public let key: [Float]
    public let value: [Float]
    public let output: [Float]
    public let feedForwardNorm: [Float]
    public let gate: [Float]
    public let up: [Float]
    public let down: [Float]

    public init(
        attentionNorm: [Float], query: [Float], key: [Float], value: [Float], output: [Float],
        feedForwardNorm: [Float], gate: [Float], up: [Float], down: [Float]
    ) {
        self.attentionNorm = attentionNorm
        self.query = query
        self.key = key
        self.value = value
        self.output = output
        self.feedForwardNorm = feedForwardNorm
        self.gate = gate
        self.up = up
        self.down = down
    }
}
