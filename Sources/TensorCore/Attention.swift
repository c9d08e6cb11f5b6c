// Scaled dot-product attention of one head over one sequence (the active CKernels path), with its plain reference.

import CKernels
import Foundation

/// context = softmax(scale · Q·Kᵀ) · V for one head of one sequence, with no padding (every key is real).
///
/// Shapes: T tokens, h head size. Q, K, V are [T, h] views with row stride `stride` (the fused QKV buffer);
/// context is [T, h] with row stride `outStride`. Both products run on the packed micro-kernel (`PackedMatrix`'s):
/// scratch `kt` holds K scaled and packed as its weights, then V packed the same way (`scratchCount` floats), and
/// `scores` [T, T] the probabilities.
public enum Attention {
    /// Floats of the `kt` scratch a head of `tokens` tokens needs (it grows with the tokens).
    public static func scratchCount(tokens t: Int, headSize hs: Int) -> Int { moecl_attention_scratch(t, hs) }

    /// Computes one head. `kt` and `scores` must hold `scratchCount(tokens: T, headSize: h)` and T·T floats.
    @inline(__always)
    public static func head(
        q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>, stride: Int,
        tokens t: Int, headSize hs: Int, scale: Float, context: UnsafeMutablePointer<Float>,
        outStride: Int, kt: UnsafeMutablePointer<Float>, scores: UnsafeMutablePointer<Float>
    ) {
        moecl_attention_head(q, k, v, stride, t, hs, scale, context, outStride, kt, scores)
    }

    /// Reference: one head in Double precision from dense [T, h] arrays.
    public static func reference(
        q: [Float], k: [Float], v: [Float], tokens t: Int, headSize hs: Int,
        scale: Float
    ) -> [Float] {
        var out = [Float](repeating: 0, count: t * hs)
        for i in 0..<t {
            var s = (0..<t).map { j in
                (0..<hs).reduce(0.0) { $0 + Double(q[i * hs + $1]) * Double(k[j * hs + $1]) } * Double(scale)
            }
            let m = s.max()!
            s = s.map { Foundation.exp($0 - m) }
            let total = s.reduce(0, +)
            for c in 0..<hs {
                out[i * hs + c] = Float((0..<t).reduce(0.0) { $0 + s[$1] / total * Double(v[$1 * hs + c]) })
            }
        }
        return out
    }
}
