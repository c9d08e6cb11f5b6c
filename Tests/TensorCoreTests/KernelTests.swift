// The vectorised kernels against plain Double-precision references.

import Foundation
import TensorCore
import Testing

/// Deterministic pseudo-random floats in [-scale, scale).
func randomFloats(_ count: Int, seed: UInt64, scale: Float = 1) -> [Float] {
    var state = seed
    return (0..<count).map { _ in
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return (Float(state >> 40) / Float(1 << 24) * 2 - 1) * scale
    }
}

@Suite("Kernels")
struct KernelTests {
    @Test("vector exp: relative error below 3e-7 over [-87, 88], zero below the range, on every kernel path")
    func exp() throws {
        var x = [Float]()
        var v: Float = -87
        while v < 88 { x.append(v); v += 0.0007 * 17 }
        for path in KernelPath.available {
            let table = try #require(path.table)
            var y = x
            y.withUnsafeMutableBufferPointer { table.exp_row($0.baseAddress!, $0.count) }
            let worst = zip(x, y).map { abs(Double($1) - Foundation.exp(Double($0))) / Foundation.exp(Double($0)) }
                .max()!
            #expect(worst < 3e-7, "\(path): worst relative error \(worst)")
            var low: [Float] = [-100, -.infinity, -87.4]
            low.withUnsafeMutableBufferPointer { table.exp_row($0.baseAddress!, $0.count) }
            #expect(low == [0, 0, 0], "\(path)")
        }
    }

    @Test("vector erf: absolute error below 4e-7 over [-6, 6], on every kernel path")
    func erf() throws {
        var x = [Float]()
        var v: Float = -6
        while v < 6 { x.append(v); v += 0.0001 * 31 }
        for path in KernelPath.available {
            let table = try #require(path.table)
            var y = x
            y.withUnsafeMutableBufferPointer { table.erf_row($0.baseAddress!, $0.count) }
            let worst = zip(x, y).map { abs(Double($1) - Foundation.erf(Double($0))) }.max()!
            #expect(worst < 4e-7, "\(path): worst absolute error \(worst)")
        }
    }

    @Test("GELU with bias equals the erf reference, including the scalar tail", arguments: [16, 37, 1536])
    func gelu(columns: Int) {
        let rows = 5
        var x = randomFloats(rows * columns, seed: 1, scale: 6)
        let bias = randomFloats(columns, seed: 2)
        let withBias = (0..<rows * columns).map { x[$0] + bias[$0 % columns] }
        let expected = GELU.reference(withBias)
        x.withUnsafeMutableBufferPointer { xb in
            bias.withUnsafeBufferPointer {
                GELU.forwardInPlace(xb.baseAddress!, rows: rows, columns: columns, bias: $0.baseAddress!)
            }
        }
        let worst = zip(x, expected).map { abs($0 - $1) }.max()!
        #expect(worst < 2e-6, "worst \(worst)")
    }

    @Test("LayerNorm with residual and bias equals the reference", arguments: [16, 384, 390])
    func layerNorm(dim: Int) {
        let rows = 7
        var x = randomFloats(rows * dim, seed: 3, scale: 3)
        let residual = randomFloats(rows * dim, seed: 4)
        let bias = randomFloats(dim, seed: 5)
        let gamma = randomFloats(dim, seed: 6).map { 1 + $0 * 0.2 }
        let beta = randomFloats(dim, seed: 7, scale: 0.1)
        var expected: [Float] = []
        for r in 0..<rows {
            let row = (0..<dim).map { x[r * dim + $0] + residual[r * dim + $0] + bias[$0] }
            expected += LayerNorm.reference(row, gamma: gamma, beta: beta, eps: 1e-12)
        }
        x.withUnsafeMutableBufferPointer { xb in
            LayerNorm.forwardInPlace(
                xb.baseAddress!, rows: rows, dim: dim, residual: residual, bias: bias,
                gamma: gamma, beta: beta, eps: 1e-12)
        }
        let worst = zip(x, expected).map { abs($0 - $1) }.max()!
        #expect(worst < 1e-5, "worst \(worst)")
    }

    @Test("softmax rows sum to one and equal the reference", arguments: [1, 5, 16, 33])
    func softmax(columns: Int) {
        let rows = 4, stride = columns + 3
        var x = randomFloats(rows * stride, seed: 8, scale: 20)
        let expected = (0..<rows).map { Softmax.reference(Array(x[$0 * stride..<$0 * stride + columns])) }
        x.withUnsafeMutableBufferPointer {
            Softmax.rowsInPlace($0.baseAddress!, rows: rows, columns: columns, stride: stride)
        }
        for r in 0..<rows {
            let got = Array(x[r * stride..<r * stride + columns])
            #expect(zip(got, expected[r]).allSatisfy { abs($0 - $1) < 1e-6 })
            #expect(abs(got.reduce(0, +) - 1) < 1e-5)
        }
    }

    @Test("gemmNT equals the reference product, with strided operands")
    func gemm() {
        let m = 9, n = 7, k = 13
        let a = randomFloats(m * k, seed: 9), b = randomFloats(n * k, seed: 10)
        let expected = BLAS.referenceNT(m: m, n: n, k: k, a: a, b: b)
        var c = [Float](repeating: 0, count: m * n)
        BLAS.gemmNT(m: m, n: n, k: k, a: a, lda: k, b: b, ldb: k, c: &c, ldc: n)
        #expect(zip(c, expected).allSatisfy { abs($0 - $1) < 1e-5 })
        // A as a strided view: the first k of 2k columns.
        var wide: [Float] = []
        for row in 0..<m {
            wide += a[row * k..<(row + 1) * k]
            wide += [Float](repeating: 99, count: k)
        }
        var c2 = [Float](repeating: 0, count: m * n)
        BLAS.gemmNT(m: m, n: n, k: k, a: wide, lda: 2 * k, b: b, ldb: k, c: &c2, ldc: n)
        #expect(c2 == c)
    }

    @Test("gemm with Aᵀ and B stored [K, N] equals the reference")
    func gemmTransposes() {
        let m = 6, n = 5, k = 4
        let a = randomFloats(m * k, seed: 11), b = randomFloats(n * k, seed: 12)
        let expected = BLAS.referenceNT(m: m, n: n, k: k, a: a, b: b)
        // Store A as [K, M] and B as [K, N]: op(A) = Aᵀ and op(B) = B give the same product.
        let at = (0..<k * m).map { a[($0 % m) * k + $0 / m] }
        let bkn = (0..<k * n).map { b[($0 % n) * k + $0 / n] }
        var c = [Float](repeating: 0, count: m * n)
        BLAS.gemm(transposeA: true, transposeB: false, m: m, n: n, k: k, a: at, lda: m, b: bkn, ldb: n, c: &c, ldc: n)
        #expect(zip(c, expected).allSatisfy { abs($0 - $1) < 1e-5 })
    }

    @Test("Parallel.forChunks covers every row exactly once")
    func parallelChunks() {
        var hits = [Int32](repeating: 0, count: 10_001)
        hits.withUnsafeMutableBufferPointer { buffer in
            let base = buffer.baseAddress!
            Parallel.forChunks(10_001, cost: 100, threads: 2) { range in
                for i in range { base[i] += 1 }
            }
        }
        #expect(hits.allSatisfy { $0 == 1 })
    }
}

@Suite("Attention kernel")
struct AttentionKernelTests {
    @Test(
        "one head equals the Double reference for odd sizes and strided rows",
        arguments: [(1, 32), (5, 32), (17, 16), (70, 32), (33, 20)])
    func head(tokens: Int, headSize: Int) {
        let stride = 3 * headSize + 5
        let qkv = randomFloats(tokens * stride, seed: UInt64(tokens * 31 + headSize), scale: 2)
        func dense(_ offset: Int) -> [Float] {
            (0..<tokens).flatMap { i in (0..<headSize).map { qkv[i * stride + offset + $0] } }
        }
        let scale = 1 / Float(headSize).squareRoot()
        let expected = Attention.reference(
            q: dense(0), k: dense(headSize), v: dense(2 * headSize), tokens: tokens,
            headSize: headSize, scale: scale)
        let outStride = headSize + 3
        var out = [Float](repeating: .nan, count: tokens * outStride)
        var kt = [Float](repeating: 0, count: Attention.scratchCount(tokens: tokens, headSize: headSize))
        var scores = [Float](repeating: 0, count: tokens * tokens)
        qkv.withUnsafeBufferPointer { base in
            let q = base.baseAddress!
            Attention.head(
                q: q, k: q + headSize, v: q + 2 * headSize, stride: stride, tokens: tokens,
                headSize: headSize, scale: scale, context: &out, outStride: outStride, kt: &kt,
                scores: &scores)
        }
        var worst: Float = 0
        for i in 0..<tokens {
            for c in 0..<headSize { worst = max(worst, abs(out[i * outStride + c] - expected[i * headSize + c])) }
        }
        #expect(worst < 1e-5, "worst \(worst)")
    }
}

@Suite("LowRankDots")
struct LowRankDotsTests {
    @Test(arguments: [(8, 8, 1536), (5, 7, 37), (1, 3, 16), (4, 4, 5)])
    func blockedDotsMatchTheReference(count: Int, rank: Int, length: Int) {
        var rng = SplitMix64(seed: UInt64(count * 1000 + rank * 10 + length))
        let rows = (0..<(count * length)).map { _ in rng.nextSigned() }
        let factors = (0..<(rank * length)).map { _ in rng.nextSigned() }
        let stride = rank + 3
        var out = [Float](repeating: .nan, count: count * stride)
        rows.withUnsafeBufferPointer { r in
            factors.withUnsafeBufferPointer { f in
                out.withUnsafeMutableBufferPointer { o in
                    LowRankDots.compute(
                        rows: r.baseAddress!, count: count, factors: f.baseAddress!, rank: rank,
                        length: length, out: o.baseAddress!, outStride: stride)
                }
            }
        }
        let expected = LowRankDots.reference(rows: rows, count: count, factors: factors, rank: rank, length: length)
        for t in 0..<count {
            for k in 0..<rank {
                #expect(abs(out[t * stride + k] - expected[t * rank + k]) < 1e-4 * Float(length).squareRoot())
            }
            #expect(out[t * stride + rank].isNaN)  // nothing written past the rank
        }
    }
}
