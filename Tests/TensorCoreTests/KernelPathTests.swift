// Every kernel path this CPU can run (CKernels: generic, AVX2, AVX-512), each against the plain references, so a
// path that is not the active one here is still checked.

import CKernels
import Foundation
import TensorCore
import Testing

@Suite("Kernel paths")
struct KernelPathTests {
    /// The worst absolute difference.
    func worst(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).map { abs($0 - $1) }.max() ?? 0 }

    @Test("the active path is the best one unless MOECL_KERNELS names another; generic always runs")
    func choice() {
        #expect(KernelPath.available.first == .generic)
        #expect(KernelPath.available.last == KernelPath.best)
        let wanted = ProcessInfo.processInfo.environment["MOECL_KERNELS"].flatMap(KernelPath.init(rawValue:))
        #expect(KernelPath.active == (wanted.map { KernelPath.available.contains($0) ? $0 : .best } ?? .best))
        #expect(String(cString: moecl_kernels_name()) == KernelPath.active.rawValue)
    }

    @Test("GELU, its backward, softmax, LayerNorm and dot equal the references", arguments: [5, 16, 37, 390])
    func rowKernels(n: Int) throws {
        let x = randomFloats(n, seed: UInt64(n), scale: 5)
        let bias = randomFloats(n, seed: 2), residual = randomFloats(n, seed: 3)
        let gamma = randomFloats(n, seed: 4), beta = randomFloats(n, seed: 5), dy = randomFloats(n, seed: 6)
        let withBias = zip(x, bias).map(+)
        let layerNormInput = (0..<n).map { x[$0] + residual[$0] + bias[$0] }
        let dotReference = Float(zip(x, dy).reduce(0.0) { $0 + Double($1.0) * Double($1.1) })
        for path in KernelPath.available {
            let k = try #require(path.table)
            var g = x
            k.gelu_row(&g, n, bias)
            #expect(worst(g, GELU.reference(withBias)) < 2e-6, "\(path) gelu")
            var dx = [Float](repeating: 0, count: n)
            k.gelu_backward(x, dy, &dx, n)
            #expect(worst(dx, (0..<n).map { dy[$0] * GELU.derivative(x[$0]) }) < 2e-6, "\(path) gelu backward")
            var s = x
            k.softmax_rows(&s, 1, n, n)
            #expect(worst(s, Softmax.reference(x)) < 1e-6, "\(path) softmax")
            var l = x
            k.layernorm_row(&l, n, residual, bias, gamma, beta, 1e-12)
            let lRef = LayerNorm.reference(layerNormInput, gamma: gamma, beta: beta, eps: 1e-12)
            #expect(worst(l, lRef) < 1e-5, "\(path) layernorm")
            #expect(abs(k.dot(x, dy, n) - dotReference) < 1e-4, "\(path) dot")
        }
    }

    @Test("attention heads equal the reference", arguments: [(1, 32), (17, 16), (70, 32), (33, 20)])
    func attention(tokens: Int, headSize: Int) throws {
        let stride = 3 * headSize + 5
        let qkv = randomFloats(tokens * stride, seed: UInt64(tokens + headSize), scale: 2)
        func dense(_ offset: Int) -> [Float] {
            (0..<tokens).flatMap { i in (0..<headSize).map { qkv[i * stride + offset + $0] } }
        }
        let scale = 1 / Float(headSize).squareRoot()
        let expected = Attention.reference(
            q: dense(0), k: dense(headSize), v: dense(2 * headSize), tokens: tokens, headSize: headSize, scale: scale)
        for path in KernelPath.available {
            let k = try #require(path.table)
            var out = [Float](repeating: .nan, count: tokens * headSize)
            var kt = [Float](repeating: 0, count: Attention.scratchCount(tokens: tokens, headSize: headSize))
            var scores = [Float](repeating: 0, count: tokens * tokens)
            qkv.withUnsafeBufferPointer { b in
                let q = b.baseAddress!
                k.attention_head(
                    q, q + headSize, q + 2 * headSize, stride, tokens, headSize, scale, &out, headSize, &kt, &scores)
            }
            #expect(worst(out, expected) < 1e-5, "\(path)")
        }
    }

    @Test("LoRA kernels: blocked dots, the MoE mixing pass and the low-rank update equal the references")
    func loraKernels() throws {
        let count = 6, f = 37, r0 = 4, rt = 3, aStride = 9
        let rows = randomFloats(count * f, seed: 11), factors = randomFloats(5 * f, seed: 12)
        let hidden = randomFloats(count * f, seed: 13, scale: 3), b1 = randomFloats(f, seed: 14)
        let a = randomFloats(count * aStride, seed: 15), upShared = randomFloats(r0 * f, seed: 16)
        let upTask = randomFloats(rt * f, seed: 17)
        let gates = (0..<count).flatMap { t -> [Float] in
            let g = Float(t + 1) / Float(count + 2); return [g, 1 - g]
        }
        let dots = LowRankDots.reference(rows: rows, count: count, factors: factors, rank: 5, length: f)
        var mixRef = [Float](), h0Ref = [Float](), htRef = [Float]()
        for t in 0..<count {
            for j in 0..<f {
                let base = Double(hidden[t * f + j]) + Double(b1[j])
                let u0 = (0..<r0).reduce(base) { $0 + Double(a[t * aStride + $1]) * Double(upShared[$1 * f + j]) }
                let ut = (0..<rt).reduce(base) { $0 + Double(a[t * aStride + r0 + $1]) * Double(upTask[$1 * f + j]) }
                let h0 = GELU.reference([Float(u0)])[0], ht = GELU.reference([Float(ut)])[0]
                h0Ref.append(h0)
                htRef.append(ht)
                mixRef.append(ht + gates[2 * t] * (h0 - ht))
            }
        }
        let z = randomFloats(5, seed: 18), row = randomFloats(f, seed: 19)
        let updated = (0..<f).map { j in row[j] + (0..<5).reduce(Float(0)) { $0 + z[$1] * factors[$1 * f + j] } }
        for path in KernelPath.available {
            let k = try #require(path.table)
            var out = [Float](repeating: .nan, count: count * 5)
            k.low_rank_dots(rows, count, factors, 5, f, &out, 5)
            #expect(worst(out, dots) < 1e-5, "\(path) dots")
            var mixed = hidden
            var h0 = [Float](repeating: .nan, count: count * f), ht = h0
            k.moe_mix_rows(&mixed, count, f, b1, a, aStride, gates, upShared, r0, upTask, rt, &h0, &ht)
            #expect(worst(h0, h0Ref) < 1e-5 && worst(ht, htRef) < 1e-5, "\(path) expert activations")
            #expect(worst(mixed, mixRef) < 1e-5, "\(path) mixed")
            var r = row
            k.add_low_rank(&r, f, z, factors, 5)
            #expect(worst(r, updated) < 1e-5, "\(path) low-rank update")
        }
    }
}
