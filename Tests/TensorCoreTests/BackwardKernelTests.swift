// Finite-difference checks of every backward kernel: loss = Σ w ⊙ f(x) with random w, central differences in Double.

import Foundation
import TensorCore
import Testing

@Suite("Backward kernels")
struct BackwardKernelTests {
    /// Central differences of `loss` at every coordinate of `x`, in Double on a Double loss.
    static func numericGradient(_ x: [Float], step: Double = 1e-3, _ loss: ([Double]) -> Double) -> [Double] {
        var xd = x.map(Double.init)
        return x.indices.map { i in
            let keep = xd[i]
            xd[i] = keep + step
            let up = loss(xd)
            xd[i] = keep - step
            let down = loss(xd)
            xd[i] = keep
            return (up - down) / (2 * step)
        }
    }

    static func random(_ count: Int, _ rng: inout SplitMix64, scale: Float = 1) -> [Float] {
        (0..<count).map { _ in scale * rng.nextSigned() }
    }

    static func expectClose(
        _ analytic: [Float], _ numeric: [Double], tolerance: Double = 2e-3,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let scale = max(1e-3, numeric.map(abs).max() ?? 0)
        let worst = zip(analytic, numeric).map { abs(Double($0) - $1) }.max() ?? 0
        #expect(
            worst <= tolerance * scale, "max |analytic − numeric| = \(worst), scale \(scale)",
            sourceLocation: sourceLocation)
    }

    @Test func gelu() {
        var rng = SplitMix64(seed: 1)
        let n = 37  // a vector part and a scalar tail
        let x = Self.random(n, &rng, scale: 3), w = Self.random(n, &rng)
        var dx = [Float](repeating: 0, count: n)
        x.withUnsafeBufferPointer { xp in
            w.withUnsafeBufferPointer { wp in
                dx.withUnsafeMutableBufferPointer {
                    GELU.backward(
                        preactivation: xp.baseAddress!, gradient: wp.baseAddress!,
                        into: $0.baseAddress!, count: n)
                }
            }
        }
        let numeric = Self.numericGradient(x) { xd in
            xd.indices.reduce(0.0) {
                $0 + Double(w[$1]) * 0.5 * xd[$1] * (1 + Foundation.erf(xd[$1] / 2.0.squareRoot()))
            }
        }
        Self.expectClose(dx, numeric)
    }

    @Test func layerNorm() {
        var rng = SplitMix64(seed: 2)
        let rows = 3, d = 20
        let x = Self.random(rows * d, &rng, scale: 2), w = Self.random(rows * d, &rng)
        let gamma = Self.random(d, &rng, scale: 0.5).map { $0 + 1 }, beta = Self.random(d, &rng)
        var dx = [Float](repeating: 0, count: rows * d)
        x.withUnsafeBufferPointer { xp in
            w.withUnsafeBufferPointer { wp in
                gamma.withUnsafeBufferPointer { gp in
                    dx.withUnsafeMutableBufferPointer {
                        LayerNorm.backward(
                            input: xp.baseAddress!, gamma: gp.baseAddress!, eps: 1e-5, gradient: wp.baseAddress!,
                            into: $0.baseAddress!, rows: rows, dim: d)
                    }
                }
            }
        }
        let numeric = Self.numericGradient(x) { xd in
            var total = 0.0
            for r in 0..<rows {
                let row = Array(xd[(r * d)..<((r + 1) * d)])
                let mean = row.reduce(0, +) / Double(d)
                let variance = row.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(d)
                for i in 0..<d {
                    let y = (row[i] - mean) / (variance + 1e-5).squareRoot() * Double(gamma[i]) + Double(beta[i])
                    total += Double(w[r * d + i]) * y
                }
            }
            return total
        }
        Self.expectClose(dx, numeric)
    }

    @Test func softmax() {
        var rng = SplitMix64(seed: 3)
        let rows = 2, n = 9
        let x = Self.random(rows * n, &rng, scale: 3), w = Self.random(rows * n, &rng)
        var y = x
        y.withUnsafeMutableBufferPointer { Softmax.rowsInPlace($0.baseAddress!, rows: rows, columns: n, stride: n) }
        var dx = [Float](repeating: 0, count: rows * n)
        y.withUnsafeBufferPointer { yp in
            w.withUnsafeBufferPointer { wp in
                dx.withUnsafeMutableBufferPointer {
                    Softmax.backwardRows(
                        output: yp.baseAddress!, gradient: wp.baseAddress!, into: $0.baseAddress!,
                        rows: rows, columns: n, stride: n)
                }
            }
        }
        let numeric = Self.numericGradient(x) { xd in
            var total = 0.0
            for r in 0..<rows {
                let row = xd[(r * n)..<((r + 1) * n)]
                let m = row.max()!, e = row.map { Foundation.exp($0 - m) }, s = e.reduce(0, +)
                for (i, v) in e.enumerated() { total += Double(w[r * n + i]) * v / s }
            }
            return total
        }
        Self.expectClose(dx, numeric)
    }

    @Test(arguments: [(5, 4), (17, 8)])
    func attentionHead(tokens t: Int, headSize hs: Int) {
        var rng = SplitMix64(seed: UInt64(t * 100 + hs))
        let scale = 1 / Float(hs).squareRoot()
        let stride = 3 * hs  // q, k, v side by side as in the fused buffer
        let qkv = Self.random(t * stride, &rng), dc = Self.random(t * hs, &rng)
        var grads = [Float](repeating: 0, count: t * stride)
        var scratch = [Float](repeating: 0, count: 2 * t * t)
        qkv.withUnsafeBufferPointer { x in
            dc.withUnsafeBufferPointer { d in
                grads.withUnsafeMutableBufferPointer { g in
                    scratch.withUnsafeMutableBufferPointer { s in
                        let b = x.baseAddress!, gb = g.baseAddress!
                        Attention.backward(
                            q: b, k: b + hs, v: b + 2 * hs, stride: stride, tokens: t, headSize: hs,
                            scale: scale, dContext: d.baseAddress!, dStride: hs, dq: gb, dk: gb + hs,
                            dv: gb + 2 * hs, scratch: s.baseAddress!)
                    }
                }
            }
        }
        let numeric = Self.numericGradient(qkv) { xd in
            var total = 0.0
            for i in 0..<t {
                var s = (0..<t).map { j in
                    (0..<hs).reduce(0.0) { $0 + xd[i * stride + $1] * xd[j * stride + hs + $1] } * Double(scale)
                }
                let m = s.max()!
                s = s.map { Foundation.exp($0 - m) }
                let z = s.reduce(0, +)
                for c in 0..<hs {
                    let ctx = (0..<t).reduce(0.0) { $0 + s[$1] / z * xd[$1 * stride + 2 * hs + c] }
                    total += Double(dc[i * hs + c]) * ctx
                }
            }
            return total
        }
        Self.expectClose(grads, numeric)
    }
}

@Suite("CrossEntropy")
struct CrossEntropyTests {
    @Test func gradientMatchesFiniteDifferences() {
        let logits: [Float] = [0.3, -1.2, 2.0, 0.7]
        let (loss, gradient) = CrossEntropy.lossAndGradient(logits: logits, label: 1)
        let direct = -Foundation.log(
            Foundation.exp(-1.2) / [0.3, -1.2, 2.0, 0.7].map { Foundation.exp($0) }.reduce(0, +))
        #expect(abs(loss - direct) < 1e-6)
        let numeric = BackwardKernelTests.numericGradient(logits) { x in
            let z = x.map { Foundation.exp($0) }.reduce(0, +)
            return -Foundation.log(Foundation.exp(x[1]) / z)
        }
        BackwardKernelTests.expectClose(gradient, numeric)
        #expect(abs(gradient.reduce(0, +)) < 1e-6)
    }
}
