// A naive BERT forward pass over a padded batch with an attention mask, in Double, as the test reference.

import Foundation
import TensorCore
import TestSupport

/// Plain-loop BERT (the textbook padded form: every row has L positions, masked keys get −∞ before softmax).
struct ReferenceBert {
    let model: TinyBert

    func w(_ name: String) -> [Double] { model.weights[name]!.data.map(Double.init) }

    /// Mean-pooled embeddings of a padded [B, L] batch; pooling over mask = 1 positions.
    func pooled(ids: [[Int32]], mask: [[Int32]]) -> [[Double]] {
        zip(ids, mask).map { row, m in pooledRow(ids: row, mask: m) }
    }

    private func pooledRow(ids: [Int32], mask: [Int32]) -> [Double] {
        let d = model.hidden, L = ids.count
        let word = w("embeddings.word_embeddings.weight"), pos = w("embeddings.position_embeddings.weight")
        let type = w("embeddings.token_type_embeddings.weight")
        var x: [[Double]] = (0..<L).map { t in
            (0..<d).map { j in word[Int(ids[t]) * d + j] + pos[t * d + j] + type[j] }
        }
        x = x.map { layerNorm($0, "embeddings.LayerNorm") }
        for layer in 0..<model.layers { x = runLayer(layer, x, mask: mask) }
        var sum = [Double](repeating: 0, count: d)
        var n = 0.0
        for t in 0..<L where mask[t] != 0 {
            for j in 0..<d { sum[j] += x[t][j] }
            n += 1
        }
        return sum.map { $0 / n }
    }

    private func linear(_ x: [Double], _ name: String) -> [Double] {
        let weight = w(name + ".weight"), bias = w(name + ".bias")
        let outs = bias.count, ins = x.count
        return (0..<outs).map { o in (0..<ins).reduce(bias[o]) { $0 + weight[o * ins + $1] * x[$1] } }
    }

    private func layerNorm(_ x: [Double], _ name: String) -> [Double] {
        let g = w(name + ".weight"), b = w(name + ".bias")
        let mean = x.reduce(0, +) / Double(x.count)
        let variance = x.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(x.count)
        let inv = 1 / (variance + Double(model.eps)).squareRoot()
        return x.indices.map { (x[$0] - mean) * inv * g[$0] + b[$0] }
    }

    private func runLayer(_ i: Int, _ x: [[Double]], mask: [Int32]) -> [[Double]] {
        let p = "encoder.layer.\(i)."
        let d = model.hidden, H = model.heads, hs = d / H, L = x.count
        let q = x.map { linear($0, p + "attention.self.query") }
        let k = x.map { linear($0, p + "attention.self.key") }
        let v = x.map { linear($0, p + "attention.self.value") }
        var context = [[Double]](repeating: [Double](repeating: 0, count: d), count: L)
        for h in 0..<H {
            for t in 0..<L {
                var scores = (0..<L).map { u -> Double in
                    guard mask[u] != 0 else { return -Double.infinity }
                    var s = 0.0
                    for j in 0..<hs { s += q[t][h * hs + j] * k[u][h * hs + j] }
                    return s / Double(hs).squareRoot()
                }
                let m = scores.max()!
                scores = scores.map { Foundation.exp($0 - m) }
                let total = scores.reduce(0, +)
                for u in 0..<L {
                    for j in 0..<hs { context[t][h * hs + j] += scores[u] / total * v[u][h * hs + j] }
                }
            }
        }
        let attended = (0..<L).map { t in
            layerNorm(
                zip(x[t], linear(context[t], p + "attention.output.dense")).map(+), p + "attention.output.LayerNorm")
        }
        return attended.map { a in
            let u = linear(a, p + "intermediate.dense").map { 0.5 * $0 * (1 + Foundation.erf($0 / 2.0.squareRoot())) }
            return layerNorm(zip(a, linear(u, p + "output.dense")).map(+), p + "output.LayerNorm")
        }
    }
}
