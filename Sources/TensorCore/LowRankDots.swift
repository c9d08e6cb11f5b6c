// Register-blocked dot products of a few rows against a few factor rows: the A·h step of a LoRA path (the active
// CKernels path).

import CKernels

/// out[t · outStride + k] = Σ_j rows[t, j] · factors[k, j] for t < count, k < rank (both row-major with rows of
/// `length`). Blocks of 4 rows × 4 factor rows keep 16 vector accumulators in registers, so each pair of loads
/// feeds 2 FMAs on average instead of each FMA loading and storing its accumulator.
///
/// Shapes: rows [T, n], factors [R, n], out rows of stride `outStride` (≥ R).
public enum LowRankDots {
    public static func compute(
        rows: UnsafePointer<Float>, count: Int, factors: UnsafePointer<Float>, rank: Int,
        length n: Int, out: UnsafeMutablePointer<Float>, outStride: Int
    ) {
        moecl_low_rank_dots(rows, count, factors, rank, n, out, outStride)
    }

    /// Reference: plain loops in Double.
    public static func reference(rows: [Float], count: Int, factors: [Float], rank: Int, length n: Int) -> [Float] {
        (0..<count).flatMap { t in
            (0..<rank).map { k in
                Float((0..<n).reduce(0.0) { $0 + Double(rows[t * n + $1]) * Double(factors[k * n + $1]) })
            }
        }
    }
}
