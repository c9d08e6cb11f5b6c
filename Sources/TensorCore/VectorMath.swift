// Dot products and the vector exp and erf, on the active kernel path (CKernels).

import CKernels

/// Element-wise transcendental functions and dot products of the active kernel path.
///
/// `exp`: range reduction `x = n·ln2 + r`, |r| ≤ ln2/2, a degree-7 Taylor polynomial, scaling by 2^n through
/// the exponent bits; relative error below 2e-7 on [-87, 88]; `x < -87.3` gives 0.
/// `erf`: `erfc(z) = t·exp(-z² + P(t))`, `t = 1/(1 + z/2)` (the Chebyshev fit of Numerical Recipes §6.2,
/// fractional error below 1.2e-7 for all z ≥ 0), then `erf = sign(x)·(1 − erfc(|x|))`.
/// GELU and softmax use the same two functions inside their kernels.
public enum VectorMath {
    /// x[i] ← exp(x[i]).
    public static func exp(inPlace x: UnsafeMutablePointer<Float>, count: Int) { moecl_exp_row(x, count) }

    /// x[i] ← erf(x[i]).
    public static func erf(inPlace x: UnsafeMutablePointer<Float>, count: Int) { moecl_erf_row(x, count) }

    /// Σ a[i]·b[i].
    @inline(__always)
    public static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        moecl_dot(a, b, count)
    }
}
