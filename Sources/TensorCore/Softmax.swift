// Row-wise softmax with max subtraction, vectorised.

import Foundation

/// softmax over the last dimension: y_i = exp(x_i − max) / Σ exp(x_j − max).
///
/// Shapes: X [M, N] row-major with row stride `stride` (≥ N).
public enum Softmax {
    /// X ← softmax(X) row by row, in place.
    @inline(__always)
    public static func rowsInPlace(_ x: UnsafeMutablePointer<Float>, rows: Int, columns n: Int, stride: Int) {
        typealias V = SIMD16<Float>
        for r in 0..<rows {
            let p = x + r * stride
            var maxValue = -Float.infinity
            var i = 0
            var maxV = V(repeating: -.infinity)
            while i + 16 <= n {
                let v = UnsafeRawPointer(p + i).loadUnaligned(as: V.self)
                // replacing(with:where:) compiles to a blend; pointwiseMax's NaN rules make it scalar.
                maxV = maxV.replacing(with: v, where: v .> maxV)
                i += 16
            }
            while i < n { maxValue = max(maxValue, p[i]); i += 1 }
            maxValue = max(maxValue, maxV.max())
            let m = V(repeating: maxValue)
            var sumV = V(repeating: 0)
            var sum: Float = 0
            i = 0
            while i + 16 <= n {
                let e = VectorMath.exp(UnsafeRawPointer(p + i).loadUnaligned(as: V.self) - m)
                UnsafeMutableRawPointer(p + i).storeBytes(of: e, as: V.self)
                sumV += e
                i += 16
            }
            if i < n {
                // Tail: pad to a full vector with -inf so exp gives 0.
                var v = V(repeating: -.infinity)
                for j in i..<n { v[j - i] = p[j] }
                let e = VectorMath.exp(v - m)
                for j in i..<n { p[j] = e[j - i]; sum += e[j - i] }
            }
            let inv = V(repeating: 1 / (sum + sumV.sum()))
            i = 0
            while i + 16 <= n {
                UnsafeMutableRawPointer(p + i).storeBytes(
                    of: UnsafeRawPointer(p + i).loadUnaligned(as: V.self) * inv, as: V.self)
                i += 16
            }
            while i < n { p[i] *= inv[0]; i += 1 }
        }
    }

    /// Reference softmax of one row in Double precision.
    public static func reference(_ x: [Float]) -> [Float] {
        let m = Double(x.max() ?? 0)
        let e = x.map { Foundation.exp(Double($0) - m) }
        let s = e.reduce(0, +)
        return e.map { Float($0 / s) }
    }
}
