// The naive MoE-CL feed-forward: each expert's dense FFN in full (merged weights, Double), mixed by the gate.

import Foundation
import TensorCore
import Transformer

/// y = g0·FFN_shared(x) + g1·FFN_task(x) with FFN_e(x) = (W2 + s·B2·A2)·GELU((W1 + s·B1·A1)·x + b1) + b2 and
/// g = softmax(G·x): moe-cl.md §2 written out directly, to check the efficient form against.
struct ReferenceFeedForward: FeedForward {
    let shared: SharedExpert
    let experts: [LoRAExpert]
    let expertOfRow: [Int32]

    var includesOutputBias: Bool { true }

    /// Dense weights of one expert in one layer: W1 + s·B1·A1 [f, d] and W2 + s·B2·A2 [d, f].
    private struct Merged {
        let w1: [Float]
        let w2: [Float]
    }

    private func merged(_ expert: LoRAExpert, layer: Int, _ w: BertLayerWeights) -> Merged {
        let s = expert.scale
        let up = expert.layers[layer].up.product(), down = expert.layers[layer].down.product()
        return Merged(
            w1: zip(w.intermediateWeight, up).map { $0 + s * $1 },
            w2: zip(w.outputWeight, down).map { $0 + s * $1 })
    }

    func apply(
        layer: Int, weights w: BertLayerWeights, input x: UnsafePointer<Float>, batch: PackedBatch,
        scratch: UnsafeMutablePointer<Float>, output y: UnsafeMutablePointer<Float>
    ) {
        let d = w.outputBias.count, f = w.intermediateBias.count
        let sharedWeights = merged(shared.expert, layer: layer, w)
        let taskWeights = experts.map { merged($0, layer: layer, w) }
        let gate = shared.gates[layer]
        for i in 0..<batch.tokenCount {
            let row = Array(UnsafeBufferPointer(start: x + i * d, count: d)).map(Double.init)
            let l0 = (0..<d).reduce(0.0) { $0 + Double(gate[$1]) * row[$1] }
            let l1 = (0..<d).reduce(0.0) { $0 + Double(gate[d + $1]) * row[$1] }
            let g0 = 1 / (1 + Foundation.exp(l1 - l0)), g1 = 1 - g0
            let y0 = dense(sharedWeights, row, w, d: d, f: f)
            let yt = dense(taskWeights[Int(expertOfRow[i])], row, w, d: d, f: f)
            for j in 0..<d { y[i * d + j] = Float(g0 * y0[j] + g1 * yt[j]) }
        }
    }

    /// (W2e · GELU(W1e · x + b1) + b2) in Double.
    private func dense(_ m: Merged, _ x: [Double], _ w: BertLayerWeights, d: Int, f: Int) -> [Double] {
        let h = (0..<f).map { o -> Double in
            var acc = Double(w.intermediateBias[o])
            for i in 0..<d { acc += Double(m.w1[o * d + i]) * x[i] }
            return 0.5 * acc * (1 + Foundation.erf(acc / 2.0.squareRoot()))
        }
        return (0..<d).map { o -> Double in
            var acc = Double(w.outputBias[o])
            for i in 0..<f { acc += Double(m.w2[o * f + i]) * h[i] }
            return acc
        }
    }
}
