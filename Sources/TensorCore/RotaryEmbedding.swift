// Rotary position embeddings (RoPE) as llama.cpp lays them out: adjacent pairs of each head rotated.

import Foundation

/// Rotates each head's adjacent pairs (x[2i], x[2i+1]) by the angle p · base^(−2i / r) for position p, over
/// the first r = `dimensions` values of the head (the rest unrotated). This is llama.cpp's "normal" RoPE on
/// weights in GGUF order; Hugging Face's rotate-half form on its own weight order gives the same attention
/// (GGUF converters permute the query and key rows between the two, `LlamaWeightOrder`).
public struct RotaryEmbedding: Sendable {
    public let headSize: Int
    public let dimensions: Int
    public let base: Float
    /// Inverse frequencies base^(−2i / r), i < r / 2, computed as transformers does (in float32 from float64
    /// exponents).
    let inverseFrequencies: [Float]

    public init(headSize: Int, dimensions: Int? = nil, base: Float) {
        let r = dimensions ?? headSize
        precondition(r % 2 == 0 && r <= headSize, "RoPE dimensions even and at most the head size")
        self.headSize = headSize
        self.dimensions = r
        self.base = base
        inverseFrequencies = (0..<(r / 2)).map { i in Float(1 / pow(Double(base), Double(2 * i) / Double(r))) }
    }

    /// Rotates `heads` heads of each of `rows` rows of `x` (row stride `stride`) in place, row r at `positions[r]`.
    public func apply(
        _ x: UnsafeMutablePointer<Float>, rows: Int, stride: Int, heads: Int, positions: UnsafePointer<Int32>
    ) {
        Parallel.forChunks(rows, cost: heads * dimensions * 8) { range in
            var cosines = [Float](repeating: 0, count: dimensions / 2)
            var sines = cosines
            for r in range {
                let p = Float(positions[r])
                for i in 0..<(dimensions / 2) {
                    let angle = p * inverseFrequencies[i]
                    cosines[i] = cos(angle)
                    sines[i] = sin(angle)
                }
                for h in 0..<heads {
                    let v = x + r * stride + h * headSize
                    for i in 0..<(dimensions / 2) {
                        let a = v[2 * i], b = v[2 * i + 1]
                        v[2 * i] = a * cosines[i] - b * sines[i]
                        v[2 * i + 1] = a * sines[i] + b * cosines[i]
                    }
                }
            }
        }
    }
}
