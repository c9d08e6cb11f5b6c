// Backward of one attention head: gradients of Q, K and V from the gradient of the context.

extension Attention {
    /// Given dC [T, h] for context = softmax(scale·Q·Kᵀ)·V, accumulates (adds) dQ, dK, dV [T, h]. The
    /// probabilities are recomputed (no activation memory is kept between forward and backward):
    /// P = softmax(scale·Q·Kᵀ); dV += Pᵀ·dC; dP = dC·Vᵀ; dS = P ⊙ (dP − rowsum(dP ⊙ P));
    /// dQ += scale·dS·K; dK += scale·dSᵀ·Q.
    ///
    /// Shapes: q, k, v, dq, dk, dv are [T, h] views with row stride `stride`; dContext has row stride `dStride`;
    /// scratch holds 2·T·T floats.
    public static func backward(
        q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>, stride: Int,
        tokens t: Int, headSize hs: Int, scale: Float, dContext dc: UnsafePointer<Float>,
        dStride: Int, dq: UnsafeMutablePointer<Float>, dk: UnsafeMutablePointer<Float>,
        dv: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>
    ) {
        let p = scratch, dp = scratch + t * t
        BLAS.gemm(transposeB: true, m: t, n: t, k: hs, alpha: scale, a: q, lda: stride, b: k, ldb: stride, c: p, ldc: t)
        Softmax.rowsInPlace(p, rows: t, columns: t, stride: t)
        BLAS.gemm(
            transposeA: true, transposeB: false, m: t, n: hs, k: t, a: p, lda: t, b: dc, ldb: dStride, beta: 1,
            c: dv, ldc: stride)
        BLAS.gemm(transposeB: true, m: t, n: t, k: hs, a: dc, lda: dStride, b: v, ldb: stride, c: dp, ldc: t)
        Softmax.backwardRows(output: p, gradient: dp, into: dp, rows: t, columns: t, stride: t)
        BLAS.gemm(
            transposeB: false, m: t, n: hs, k: t, alpha: scale, a: dp, lda: t, b: k, ldb: stride, beta: 1,
            c: dq, ldc: stride)
        BLAS.gemm(
            transposeA: true, transposeB: false, m: t, n: hs, k: t, alpha: scale, a: dp, lda: t, b: q, ldb: stride,
            beta: 1, c: dk, ldc: stride)
    }
}
