// Exact (erf) GELU with a fused bias, vectorised, and its plain reference.

import Foundation

/// GELU(x) = x · Φ(x) = 0.5 · x · (1 + erf(x / √2)), the exact form BERT uses (not the tanh approximation).
///
/// Shapes: X [M, N] row-major, bias [N].
public enum GELU {
    /// X ← GELU(X + bias), in place, rows split over the compute threads.
    public static func forwardInPlace(
        _ x: UnsafeMutablePointer<Float>, rows: Int, columns: Int,
        bias: UnsafePointer<Float>?
    ) {
        Parallel.forChunks(rows, cost: columns * 8) { range in
            for r in range { row(x + r * columns, count: columns, bias: bias) }
        }
    }

    @inline(__always)
    static func row(_ x: UnsafeMutablePointer<Float>, count n: Int, bias: UnsafePointer<Float>?) {
        typealias V = SIMD16<Float>
        var i = 0
        while i + 16 <= n {
            var v = UnsafeRawPointer(x + i).loadUnaligned(as: V.self)
            if let bias { v += UnsafeRawPointer(bias + i).loadUnaligned(as: V.self) }
            UnsafeMutableRawPointer(x + i).storeBytes(of: simd(v), as: V.self)
            i += 16
        }
        while i < n {
            let v = x[i] + (bias?[i] ?? 0)
            x[i] = scalar(v)
            i += 1
        }
    }

    /// GELU of 16 values with the vectorised erf (the main loop of every GELU kernel, so all agree bit for bit).
    @_transparent  // forced inline: as a call, its 64-byte vectors go through memory and it runs ~3× slower
    static func simd(_ v: SIMD16<Float>) -> SIMD16<Float> {
        typealias V = SIMD16<Float>
        return V(repeating: 0.5) * v * (V(repeating: 1) + VectorMath.erf(v * V(repeating: 0.707_106_781_186_547_5)))
    }

    /// GELU of one value with libm's erf (reference and tails).
    @inline(__always)
    public static func scalar(_ v: Float) -> Float {
        0.5 * v * (1 + Foundation.erf(v * 0.707_106_781_186_547_5))
    }

    /// Reference: GELU in Double precision with libm's erf.
    public static func reference(_ x: [Float]) -> [Float] {
        x.map { v in Float(0.5 * Double(v) * (1 + Foundation.erf(Double(v) / 2.0.squareRoot()))) }
    }
}
