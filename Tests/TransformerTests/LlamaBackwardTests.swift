// The decoder's backward through every frozen block, on the tiny random Llama: the gradient of
// loss = Σ w ⊙ final hidden states with respect to the input embeddings, against central differences of the
// float32 forward, for two packed sequences (so causal masking and packing are differentiated too).

import Foundation
import ModelFormats
import TensorCore
import TestSupport
import Testing
import Transformer

@Suite("Llama backward")
struct LlamaBackwardTests {
    @Test func inputGradientMatchesFiniteDifferences() throws {
        let decoder = try TinyLlamaTests.gguf()
        let batch = PackedBatch(sequences: [[5, 17, 99, 3, 64], [100, 2, 77]])
        let d = decoder.config.hiddenSize, n = batch.tokenCount
        var rng = SplitMix64(seed: 21)
        let x0 = (0..<(n * d)).map { _ in 0.5 * rng.nextSigned() }
        let w = (0..<(n * d)).map { _ in rng.nextSigned() }
        let (hidden, tape) = try decoder.forward(embeddings: x0, batch: batch)
        #expect(
            TinyLlamaTests.maxDifference(hidden, try decoder.hiddenStates(batch, embeddings: x0)) < 1e-6,
            "the taped forward is the forward")
        let analytic = decoder.backward(w, tape: tape, batch: batch)
        func loss(_ x: [Float]) throws -> Double {
            let y = try decoder.forward(embeddings: x, batch: batch).hidden
            return zip(y, w).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        }
        let step: Float = 1e-2
        var worst = 0.0, scale = 0.0
        var x = x0
        for i in 0..<(n * d) {
            x[i] = x0[i] + step
            let up = try loss(x)
            x[i] = x0[i] - step
            let down = try loss(x)
            x[i] = x0[i]
            let numeric = (up - down) / Double(2 * step)
            worst = max(worst, abs(numeric - Double(analytic[i])))
            scale = max(scale, abs(numeric))
        }
        #expect(worst <= 1e-2 * scale, "max |analytic − numeric| = \(worst), scale \(scale)")
    }
}
