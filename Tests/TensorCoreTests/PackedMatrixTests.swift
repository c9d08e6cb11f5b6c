// The packed float product on every kernel path this CPU runs, against a Double reference and OpenBLAS.

import Foundation
import TensorCore
import Testing

@Suite("PackedMatrix")
struct PackedMatrixTests {
    /// C = A · Wᵀ (+ bias) in Double, A with row stride lda.
    func reference(_ a: [Float], lda: Int, _ w: [Float], m: Int, n: Int, k: Int, bias: [Float]?) -> [Float] {
        var c = [Float](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var s = Double(bias?[j] ?? 0)
                for t in 0..<k { s += Double(a[i * lda + t]) * Double(w[j * k + t]) }
                c[i * n + j] = Float(s)
            }
        }
        return c
    }

    @Test(
        "every path matches the Double product: whole and partial panels, every row-block remainder, strides",
        arguments: [(1, 32, 16), (5, 1157, 387), (13, 33, 64), (12, 64, 384), (27, 96, 1536), (40, 7, 5)])
    func product(m: Int, n: Int, k: Int) {
        let lda = k + 3, ldc = n + 5
        let a = randomFloats(m * lda, seed: UInt64(m * 7 + k), scale: 2)
        let w = randomFloats(n * k, seed: UInt64(n + k), scale: 0.3)
        let bias = randomFloats(n, seed: 42)
        let matrix = PackedMatrix(weights: w, outputs: n, inputs: k)
        for withBias in [true, false] {
            let expected = reference(a, lda: lda, w, m: m, n: n, k: k, bias: withBias ? bias : nil)
            for path in KernelPath.available {
                var c = [Float](repeating: .nan, count: m * ldc)
                a.withUnsafeBufferPointer { pa in
                    bias.withUnsafeBufferPointer { pb in
                        matrix.multiply(
                            pa.baseAddress!, rows: m, lda: lda, bias: withBias ? pb.baseAddress! : nil, into: &c,
                            ldc: ldc, path: path)
                    }
                }
                // Float rounding of k products of values near 1: far below any wrong entry (order 1).
                let budget = 2e-5 * Float(k).squareRoot()
                var worst: Float = 0, outside = 0
                for i in 0..<m {
                    for j in 0..<n {
                        let error = abs(c[i * ldc + j] - expected[i * n + j])
                        worst = max(worst, error)
                        if !(error <= budget) { outside += 1 }  // NaN counts as outside
                    }
                    // Columns past n (the stride's padding) are never written.
                    for j in n..<ldc { #expect(c[i * ldc + j].isNaN) }
                }
                #expect(outside == 0, "\(path) m \(m) n \(n) k \(k): \(outside) outside \(budget), worst \(worst)")
            }
        }
    }

    @Test("agrees with OpenBLAS on a MiniLM-sized projection")
    func againstBLAS() {
        let m = 15, n = 1152, k = 384
        let a = randomFloats(m * k, seed: 3)
        let w = randomFloats(n * k, seed: 4, scale: 0.1)
        var blas = [Float](repeating: 0, count: m * n)
        var packed = [Float](repeating: 0, count: m * n)
        BLAS.gemmNT(m: m, n: n, k: k, a: a, lda: k, b: w, ldb: k, c: &blas, ldc: n)
        PackedMatrix(weights: w, outputs: n, inputs: k).multiply(a, rows: m, lda: k, into: &packed, ldc: n)
        let outside = zip(blas, packed).filter { !(abs($0 - $1) < 1e-4) }.count
        #expect(outside == 0)
    }
}
