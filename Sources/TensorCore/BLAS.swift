// Matrix products on OpenBLAS, with the shapes written down.

import CBLAS

/// Row-major SGEMM wrappers.
///
/// Shape letters: M rows of the output, N columns of the output, K the reduced dimension.
public enum BLAS {
    /// C[M, N] = alpha · A[M, K] · B[N, K]ᵀ + beta · C — the product with a weight stored [out, in].
    /// - Parameters: lda, ldb, ldc: row strides of A, B and C (≥ K, K and N).
    @inline(__always)
    public static func gemmNT(m: Int, n: Int, k: Int, alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
                              b: UnsafePointer<Float>, ldb: Int, beta: Float = 0, c: UnsafeMutablePointer<Float>,
                              ldc: Int) {
        if m == 0 || n == 0 { return }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b,
                    Int32(ldb), beta, c, Int32(ldc))
    }

    /// C[M, N] = alpha · A[M, K] · B[K, N] + beta · C.
    @inline(__always)
    public static func gemmNN(m: Int, n: Int, k: Int, alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
                              b: UnsafePointer<Float>, ldb: Int, beta: Float = 0, c: UnsafeMutablePointer<Float>,
                              ldc: Int) {
        if m == 0 || n == 0 { return }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b,
                    Int32(ldb), beta, c, Int32(ldc))
    }

    /// C[M, N] = alpha · A[K, M]ᵀ · B[K, N] + beta · C.
    @inline(__always)
    public static func gemmTN(m: Int, n: Int, k: Int, alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
                              b: UnsafePointer<Float>, ldb: Int, beta: Float = 0, c: UnsafeMutablePointer<Float>,
                              ldc: Int) {
        if m == 0 || n == 0 { return }
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b,
                    Int32(ldb), beta, c, Int32(ldc))
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
