// Finite-difference checks of the decoder's backward kernels (RMSNorm, RoPE, causal attention with two query
// heads sharing a key/value head, SwiGLU): loss = Σ w ⊙ f(x) with random w, central differences in Double.

import Foundation
import TensorCore
import Testing

@Suite("Decoder backward kernels")
struct DecoderBackwardKernelTests {
    typealias B = BackwardKernelTests

    @Test func rmsNorm() {
        var rng = SplitMix64(seed: 11)
        let rows = 3, d = 24
        let x = B.random(rows * d, &rng, scale: 2), w = B.random(rows * d, &rng)
        let weight = B.random(d, &rng, scale: 0.5).map { $0 + 1 }
        var dx = [Float](repeating: 0, count: rows * d)
        RMSNorm.backward(
            input: x, weight: weight, eps: 1e-5, gradient: w, into: &dx, rows: rows, dim: d)
        let numeric = B.numericGradient(x) { xd in
            var total = 0.0
            for r in 0..<rows {
                let row = xd[(r * d)..<((r + 1) * d)]
                let inv = 1 / (row.map { $0 * $0 }.reduce(0, +) / Double(d) + 1e-5).squareRoot()
                for (i, v) in row.enumerated() { total += Double(w[r * d + i]) * Double(weight[i]) * v * inv }
            }
            return total
        }
        B.expectClose(dx, numeric)
    }

    @Test func rotaryEmbedding() {
        var rng = SplitMix64(seed: 12)
        let rows = 4, heads = 2, h = 8
        let rope = RotaryEmbedding(headSize: h, dimensions: 6, base: 100)
        let x = B.random(rows * heads * h, &rng), w = B.random(rows * heads * h, &rng)
        let positions: [Int32] = [0, 3, 7, 21]
        var dx = w
        rope.backward(&dx, rows: rows, stride: heads * h, heads: heads, positions: positions)
        let numeric = B.numericGradient(x) { xd in
            var total = 0.0
            for r in 0..<rows {
                for head in 0..<heads {
                    let base = r * heads * h + head * h
                    for c in 0..<h {
                        var y = xd[base + c]
                        if c < 6 {
                            let i = c / 2
                            let angle = Double(positions[r]) / pow(100, Double(2 * i) / 6)
                            let a = xd[base + 2 * i], b = xd[base + 2 * i + 1]
                            y = c % 2 == 0 ? a * cos(angle) - b * sin(angle) : a * sin(angle) + b * cos(angle)
                        }
                        total += Double(w[base + c]) * y
                    }
                }
            }
            return total
        }
        B.expectClose(dx, numeric)
    }

    /// Two query heads sharing one key/value head, 5 tokens, head size 4: the gradients of q, k and v.
    @Test func causalAttentionWithASharedKeyValueHead() {
        var rng = SplitMix64(seed: 13)
        let t = 5, hs = 4, heads = 2, scale: Float = 0.5
        let q = B.random(t * heads * hs, &rng), k = B.random(t * hs, &rng), v = B.random(t * hs, &rng)
        let w = B.random(t * heads * hs, &rng)
        var dq = [Float](repeating: 0, count: q.count), dk = [Float](repeating: 0, count: k.count)
        var dv = dk
        var scores = [Float](repeating: 0, count: t), dscores = scores
        for head in 0..<heads {
            q.withUnsafeBufferPointer { qp in
                w.withUnsafeBufferPointer { wp in
                    dq.withUnsafeMutableBufferPointer { dqp in
                        CausalAttention.backward(
                            q: qp.baseAddress! + head * hs, queryStride: heads * hs, k: k, v: v, keyStride: hs,
                            tokens: t, headSize: hs, scale: scale, contextGradient: wp.baseAddress! + head * hs,
                            outStride: heads * hs, dq: dqp.baseAddress! + head * hs, dk: &dk, dv: &dv,
                            scores: &scores, dscores: &dscores)
                    }
                }
            }
        }
        func loss(_ q: [Double], _ k: [Double], _ v: [Double]) -> Double {
            var total = 0.0
            for head in 0..<heads {
                for i in 0..<t {
                    let s = (0...i).map { j in
                        Double(scale)
                            * (0..<hs).reduce(0.0) { $0 + q[i * heads * hs + head * hs + $1] * k[j * hs + $1] }
                    }
                    let m = s.max()!, e = s.map { exp($0 - m) }, z = e.reduce(0, +)
                    for c in 0..<hs {
                        let out = (0...i).reduce(0.0) { $0 + e[$1] / z * v[$1 * hs + c] }
                        total += Double(w[i * heads * hs + head * hs + c]) * out
                    }
                }
            }
            return total
        }
        let qd = q.map(Double.init), kd = k.map(Double.init), vd = v.map(Double.init)
        B.expectClose(dq, B.numericGradient(q) { loss($0, kd, vd) })
        B.expectClose(dk, B.numericGradient(k) { loss(qd, $0, vd) })
        B.expectClose(dv, B.numericGradient(v) { loss(qd, kd, $0) })
    }

    @Test func swiGLU() {
        var rng = SplitMix64(seed: 14)
        let n = 29
        let g = B.random(n, &rng, scale: 3), u = B.random(n, &rng, scale: 2), w = B.random(n, &rng)
        var dg = [Float](repeating: 0, count: n), du = dg
        SwiGLU.backward(gate: g, up: u, gradient: w, gateGradient: &dg, upGradient: &du, count: n)
        let ud = u.map(Double.init), gd = g.map(Double.init)
        B.expectClose(
            dg,
            B.numericGradient(g) { x in
                x.indices.reduce(0.0) { $0 + Double(w[$1]) * x[$1] / (1 + exp(-x[$1])) * ud[$1] }
            })
        B.expectClose(
            du,
            B.numericGradient(u) { x in
                x.indices.reduce(0.0) { $0 + Double(w[$1]) * gd[$1] / (1 + exp(-gd[$1])) * x[$1] }
            })
    }
}
