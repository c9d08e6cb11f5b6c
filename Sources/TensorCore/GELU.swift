// Exact (erf) GELU with a fused bias (the active CKernels path), and its plain reference.

import CKernels
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
            for r in range { moecl_gelu_row(x + r * columns, columns, bias) }
        }
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
