// Backward of one causal attention head: gradients of the query, key and value from the context's gradient.

import Foundation

extension CausalAttention {
    /// Adds to dq, dk, dv the gradients of `head`'s context with respect to q, k, v, given dcontext. The
    /// probabilities are recomputed. Gradients are added, not written: in grouped-query attention several query
    /// heads share one key/value head, and their dk, dv sum. Strides as in `head`; `scores` and `dscores` hold
    /// T floats each.
    ///
    /// With s_ij = scale · q_i·k_j (j ≤ i), P = softmax_j(s), context_i = Σ_j P_ij v_j:
    /// dv_j += Σ_i P_ij dcontext_i; dP_ij = dcontext_i · v_j; ds_ij = P_ij (dP_ij − Σ_j' P_ij' dP_ij');
    /// dq_i += scale Σ_j ds_ij k_j; dk_j += scale Σ_i ds_ij q_i.
    public static func backward(
        q: UnsafePointer<Float>, queryStride: Int, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
        keyStride: Int, tokens t: Int, headSize hs: Int, scale: Float, contextGradient dc: UnsafePointer<Float>,
        outStride: Int, dq: UnsafeMutablePointer<Float>, dk: UnsafeMutablePointer<Float>,
        dv: UnsafeMutablePointer<Float>, scores: UnsafeMutablePointer<Float>, dscores: UnsafeMutablePointer<Float>
    ) {
        for i in 0..<t {
            let qi = q + i * queryStride, dci = dc + i * outStride
            var peak = -Float.infinity
            for j in 0...i {
                scores[j] = scale * VectorMath.dot(qi, k + j * keyStride, count: hs)
                peak = max(peak, scores[j])
            }
            var total: Float = 0
            for j in 0...i {
                scores[j] = exp(scores[j] - peak)
                total += scores[j]
            }
            var weighted: Float = 0
            for j in 0...i {
                scores[j] /= total
                dscores[j] = VectorMath.dot(dci, v + j * keyStride, count: hs)
                weighted += scores[j] * dscores[j]
            }
            let dqi = dq + i * queryStride
            for j in 0...i {
                let p = scores[j], ds = p * (dscores[j] - weighted) * scale
                let kj = k + j * keyStride, dkj = dk + j * keyStride, dvj = dv + j * keyStride
                for c in 0..<hs {
                    dvj[c] += p * dci[c]
                    dqi[c] += ds * kj[c]
                    dkj[c] += ds * qi[c]
                }
            }
        }
    }
}
