// Causal scaled dot-product attention of one head over one sequence, for grouped-query attention.

import Foundation

/// context[i] = Σ_{j ≤ i} softmax_j(scale · q_i · k_j) · v_j for one query head of one sequence.
///
/// Shapes: T tokens, h head size. Q is [T, h] with row stride `queryStride`; K and V are [T, h] with row stride
/// `keyStride` (the key/value head this query head shares, in grouped-query attention); context is [T, h] with
/// row stride `outStride`. Scratch: `scores` of T floats.
public enum CausalAttention {
    public static func head(
        q: UnsafePointer<Float>, queryStride: Int, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
        keyStride: Int, tokens t: Int, headSize hs: Int, scale: Float, context: UnsafeMutablePointer<Float>,
        outStride: Int, scores: UnsafeMutablePointer<Float>
    ) {
        for i in 0..<t {
            let qi = q + i * queryStride
            var peak = -Float.infinity
            for j in 0...i {
                let s = scale * VectorMath.dot(qi, k + j * keyStride, count: hs)
                scores[j] = s
                peak = max(peak, s)
            }
            var total: Float = 0
            for j in 0...i {
                let e = exp(scores[j] - peak)
                scores[j] = e
                total += e
            }
            let out = context + i * outStride
            for c in 0..<hs { out[c] = 0 }
            for j in 0...i {
                let p = scores[j] / total
                let vj = v + j * keyStride
                for c in 0..<hs { out[c] += p * vj[c] }
            }
        }
    }
}
