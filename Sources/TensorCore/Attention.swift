// Scaled dot-product attention of one head over one sequence, vectorised, with its plain reference.

import Foundation

/// context = softmax(scale · Q·Kᵀ) · V for one head of one sequence, with no padding (every key is real).
///
/// Shapes: T tokens, h head size. Q, K, V are [T, h] views with row stride `stride` (the fused QKV buffer);
/// context is [T, h] with row stride `outStride`. Scratch: `kt` [h, T] (K transposed, so the scores of one query
/// are 16-wide FMAs with no horizontal sums) and `scores` [T, T].
public enum Attention {
    /// Computes one head. `kt` and `scores` must hold h·T and T·T floats.
    @inline(__always)
    public static func head(
        q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>, stride: Int,
        tokens t: Int, headSize hs: Int, scale: Float, context: UnsafeMutablePointer<Float>,
        outStride: Int, kt: UnsafeMutablePointer<Float>, scores: UnsafeMutablePointer<Float>
    ) {
        typealias V = SIMD16<Float>
        // Kᵀ [h, T].
        for j in 0..<t {
            for c in 0..<hs { kt[c * t + j] = k[j * stride + c] }
        }
        // scores[i, :] = scale · Σ_c Q[i, c] · Kᵀ[c, :]
        for i in 0..<t {
            let qi = q + i * stride
            let row = scores + i * t
            var j = 0
            // Four independent 16-wide accumulators hide the FMA latency.
            while j + 64 <= t {
                var a0 = V(repeating: 0), a1 = V(repeating: 0), a2 = V(repeating: 0), a3 = V(repeating: 0)
                for c in 0..<hs {
                    let qc = V(repeating: qi[c])
                    let kc = kt + c * t + j
                    a0 = a0.addingProduct(qc, UnsafeRawPointer(kc).loadUnaligned(as: V.self))
                    a1 = a1.addingProduct(qc, UnsafeRawPointer(kc + 16).loadUnaligned(as: V.self))
                    a2 = a2.addingProduct(qc, UnsafeRawPointer(kc + 32).loadUnaligned(as: V.self))
                    a3 = a3.addingProduct(qc, UnsafeRawPointer(kc + 48).loadUnaligned(as: V.self))
                }
                UnsafeMutableRawPointer(row + j).storeBytes(of: a0 * scale, as: V.self)
                UnsafeMutableRawPointer(row + j + 16).storeBytes(of: a1 * scale, as: V.self)
                UnsafeMutableRawPointer(row + j + 32).storeBytes(of: a2 * scale, as: V.self)
                UnsafeMutableRawPointer(row + j + 48).storeBytes(of: a3 * scale, as: V.self)
                j += 64
            }
            while j + 16 <= t {
                var acc = V(repeating: 0)
                for c in 0..<hs {
                    acc = acc.addingProduct(
                        V(repeating: qi[c]), UnsafeRawPointer(kt + c * t + j).loadUnaligned(as: V.self))
                }
                UnsafeMutableRawPointer(row + j).storeBytes(of: acc * scale, as: V.self)
                j += 16
            }
            while j < t {
                var acc: Float = 0
                for c in 0..<hs { acc += qi[c] * kt[c * t + j] }
                row[j] = acc * scale
                j += 1
            }
        }
        Softmax.rowsInPlace(scores, rows: t, columns: t, stride: t)
        // context[i, :] = Σ_j P[i, j] · V[j, :]
        for i in 0..<t {
            let row = scores + i * t
            let out = context + i * outStride
            var c = 0
            while c + 32 <= hs {
                // Even and odd keys in separate accumulators: four independent FMA chains.
                var a0 = V(repeating: 0), a1 = V(repeating: 0), b0 = V(repeating: 0), b1 = V(repeating: 0)
                var j = 0
                while j + 2 <= t {
                    let p = V(repeating: row[j]), p2 = V(repeating: row[j + 1])
                    let vj = v + j * stride + c
                    let vk = vj + stride
                    a0 = a0.addingProduct(p, UnsafeRawPointer(vj).loadUnaligned(as: V.self))
                    a1 = a1.addingProduct(p, UnsafeRawPointer(vj + 16).loadUnaligned(as: V.self))
                    b0 = b0.addingProduct(p2, UnsafeRawPointer(vk).loadUnaligned(as: V.self))
                    b1 = b1.addingProduct(p2, UnsafeRawPointer(vk + 16).loadUnaligned(as: V.self))
                    j += 2
                }
                if j < t {
                    let p = V(repeating: row[j])
                    let vj = v + j * stride + c
                    a0 = a0.addingProduct(p, UnsafeRawPointer(vj).loadUnaligned(as: V.self))
                    a1 = a1.addingProduct(p, UnsafeRawPointer(vj + 16).loadUnaligned(as: V.self))
                }
                UnsafeMutableRawPointer(out + c).storeBytes(of: a0 + b0, as: V.self)
                UnsafeMutableRawPointer(out + c + 16).storeBytes(of: a1 + b1, as: V.self)
                c += 32
            }
            while c + 16 <= hs {
                var a0 = V(repeating: 0)
                for j in 0..<t {
                    a0 = a0.addingProduct(
                        V(repeating: row[j]), UnsafeRawPointer(v + j * stride + c).loadUnaligned(as: V.self))
                }
                UnsafeMutableRawPointer(out + c).storeBytes(of: a0, as: V.self)
                c += 16
            }
            while c < hs {
                var acc: Float = 0
                for j in 0..<t { acc += row[j] * v[j * stride + c] }
                out[c] = acc
                c += 1
            }
        }
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
