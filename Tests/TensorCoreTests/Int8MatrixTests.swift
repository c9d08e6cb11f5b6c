// The int8 product on every int8 path this CPU runs, against the float product and against each other.

import CKernels
import Foundation
import TensorCore
import Testing

@Suite("Int8Matrix")
struct Int8MatrixTests {
    /// C = A · Wᵀ + bias in Double.
    func reference(_ a: [Float], _ w: [Float], m: Int, n: Int, k: Int, bias: [Float]) -> [Float] {
        var c = [Float](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var s = Double(bias[j])
                for t in 0..<k { s += Double(a[i * k + t]) * Double(w[j * k + t]) }
                c[i * n + j] = Float(s)
            }
        }
        return c
    }

    @Test(
        "products on every path stay within int8 error of the float product, and the paths agree",
        arguments: [(1, 40, 384), (5, 1157, 387), (9, 33, 64), (4, 16, 1536)])
    func product(m: Int, n: Int, k: Int) throws {
        let a = randomFloats(m * k, seed: UInt64(m * 7 + k), scale: 3)
        let w = randomFloats(n * k, seed: UInt64(n + k), scale: 0.2)
        let bias = randomFloats(n, seed: 99)
        let expected = reference(a, w, m: m, n: n, k: k, bias: bias)
        let matrix = Int8Matrix(weights: w, outputs: n, inputs: k)
        // Each output's error budget: about one int8 step of each operand per term, summed in quadrature.
        let budget = Float(k).squareRoot() * 3 * 0.2 / 127
        var results: [[Float]] = []
        for path in Int8Matrix.availablePaths {
            let ldc = n + 3
            var c = [Float](repeating: .nan, count: m * ldc)
            matrix.multiply(a, rows: m, lda: k, bias: bias, into: &c, ldc: ldc, path: path)
            let dense = (0..<m).flatMap { i in c[(i * ldc)..<(i * ldc + n)] }
            let worst = zip(dense, expected).map { abs($0 - $1) }.max()!
            #expect(worst < budget, "\(Int8Matrix.name(of: path)): worst \(worst), budget \(budget)")
            results.append(dense)
        }
        for other in results.dropFirst() {
            let worst = zip(other, results[0]).map { abs($0 - $1) / max(1, abs($1)) }.max()!
            #expect(worst < 1e-5, "paths disagree by \(worst)")
        }
    }

    @Test("zero activations give the bias exactly; strided rows read only their own values")
    func zerosAndStrides() {
        let k = 70, n = 20
        let w = randomFloats(n * k, seed: 5)
        let bias = randomFloats(n, seed: 6)
        let matrix = Int8Matrix(weights: w, outputs: n, inputs: k)
        for path in Int8Matrix.availablePaths {
            // Two rows of stride k + 10; the 10 extra values are huge and must not leak in.
            var a = [Float](repeating: 1e30, count: 2 * (k + 10))
            for i in 0..<2 { for t in 0..<k { a[i * (k + 10) + t] = 0 } }
            var c = [Float](repeating: .nan, count: 2 * n)
            matrix.multiply(a, rows: 2, lda: k + 10, bias: bias, into: &c, ldc: n, path: path)
            #expect(c == bias + bias, "\(Int8Matrix.name(of: path))")
        }
    }
}
