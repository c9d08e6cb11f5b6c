// Matrix products on OpenBLAS, with the shapes written down.

import CBLAS

/// Row-major SGEMM wrappers.
///
/// Shape letters: M rows of the output, N columns of the output, K the reduced dimension.
public enum BLAS {
    /// C[M, N] = alpha · op(A) · op(B) + beta · C, where op(A) is [M, K] and op(B) is [K, N].
    /// - Parameters:
    ///   - transposeA: A is stored [K, M] (so op(A) = Aᵀ); otherwise [M, K].
    ///   - transposeB: B is stored [N, K] (so op(B) = Bᵀ, the layout of a weight stored [out, in]); otherwise [K, N].
    ///   - lda, ldb, ldc: row strides of A, B and C as stored.
    @inline(__always)
    public static func gemm(
        transposeA: Bool = false, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int, beta: Float = 0,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        if m == 0 || n == 0 { return }
        SpinPool.shared.park()  // OpenBLAS's threads take the cores; ours need not spin beside them
        cblas_sgemm(
            CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// C[M, N] = alpha · A[M, K] · B[N, K]ᵀ + beta · C — the product with a weight stored [out, in].
    @inline(__always)
    public static func gemmNT(
        m: Int, n: Int, k: Int, alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int, beta: Float = 0, c: UnsafeMutablePointer<Float>,
        ldc: Int
    ) {
        gemm(
            transposeB: true, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc
        )
    }

    /// Reference product C[M, N] = A[M, K] · B[N, K]ᵀ in plain loops (Double accumulation), for tests.
    public static func referenceNT(m: Int, n: Int, k: Int, a: [Float], b: [Float]) -> [Float] {
        var c = [Float](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var acc = 0.0
                for p in 0..<k { acc += Double(a[i * k + p]) * Double(b[j * k + p]) }
                c[i * n + j] = Float(acc)
            }
        }
        return c
    }
}
