// Row-wise softmax with max subtraction (the active CKernels path).

import CKernels
import Foundation

/// softmax over the last dimension: y_i = exp(x_i − max) / Σ exp(x_j − max).
///
/// Shapes: X [M, N] row-major with row stride `stride` (≥ N).
public enum Softmax {
    /// X ← softmax(X) row by row, in place.
    @inline(__always)
    public static func rowsInPlace(_ x: UnsafeMutablePointer<Float>, rows: Int, columns n: Int, stride: Int) {
        moecl_softmax_rows(x, rows, n, stride)
    }

    /// Reference softmax of one row in Double precision.
    public static func reference(_ x: [Float]) -> [Float] {
        let m = Double(x.max() ?? 0)
        let e = x.map { Foundation.exp(Double($0) - m) }
        let s = e.reduce(0, +)
        return e.map { Float($0 / s) }
    }
}
