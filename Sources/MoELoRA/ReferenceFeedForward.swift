// The naive MoE-CL feed-forward: each expert's dense FFN in full (merged weights, Double), mixed by the gate.

import Foundation
import TensorCore
import Transformer

/// y = g0·FFN_shared(x) + g1·FFN_task(x) with g = softmax(G·x) and, for each expert's merged weights
/// W_k + s·B_k·A_k: FFN_e(x) = W2e·GELU(W1e·x + b1) + b2 (BERT) or W2e·(silu(W1e·x) ⊙ W3e·x) (Llama):
/// moe-cl.md §2 written out directly, to check the efficient forms against.
struct ReferenceFeedForward: FeedForward {
    let shared: SharedExpert
    let experts: [LoRAExpert]
    let expertOfRow: [Int32]

    var includesOutputBias: Bool { true }

    /// Dense weights of one expert in one layer: W1 + s·B1·A1 [f, d], W2 + s·B2·A2 [d, f], W3 + s·B3·A3 [f, d].
    private struct Merged {
        let w1: [Float]
        let w2: [Float]
        let w3: [Float]?
    }

    private func merged(_ expert: LoRAExpert, layer: Int, _ w: FeedForwardWeights) -> Merged {
        let s = expert.scale, adapters = expert.layers[layer]
        func add(_ base: [Float], _ factors: LoRAFactors) -> [Float] {
            zip(base, factors.product()).map { $0 + s * $1 }
        }
        let w3: [Float]? =
            if let base = w.w3, let linear = adapters.linear { add(base, linear) } else { nil }
        return Merged(w1: add(w.w1, adapters.up), w2: add(w.w2, adapters.down), w3: w3)
    }

    func apply(
        layer: Int, weights w: FeedForwardWeights, input x: UnsafePointer<Float>, batch: PackedBatch,
        scratch: UnsafeMutablePointer<Float>, output y: UnsafeMutablePointer<Float>
    ) {
        let d = w.hidden
        let sharedWeights = merged(shared.expert, layer: layer, w)
        let taskWeights = experts.map { merged($0, layer: layer, w) }
        let gate = shared.gates[layer]
        for i in 0..<batch.tokenCount {
            let row = Array(UnsafeBufferPointer(start: x + i * d, count: d)).map(Double.init)
            let l0 = (0..<d).reduce(0.0) { $0 + Double(gate[$1]) * row[$1] }
            let l1 = (0..<d).reduce(0.0) { $0 + Double(gate[d + $1]) * row[$1] }
            let g0 = 1 / (1 + Foundation.exp(l1 - l0)), g1 = 1 - g0
            let y0 = dense(sharedWeights, row, w)
            let yt = dense(taskWeights[Int(expertOfRow[i])], row, w)
            for j in 0..<d { y[i * d + j] = Float(g0 * y0[j] + g1 * yt[j]) }
        }
    }

    /// One expert's FFN of one row, in Double.
    private func dense(_ m: Merged, _ x: [Double], _ w: FeedForwardWeights) -> [Double] {
        let d = w.hidden, f = w.intermediate
        func row(_ weights: [Float], _ o: Int, bias: [Float]?) -> Double {
            var acc = bias.map { Double($0[o]) } ?? 0
            for i in 0..<d { acc += Double(weights[o * d + i]) * x[i] }
            return acc
        }
        let h = (0..<f).map { o -> Double in
            let u = row(m.w1, o, bias: w.b1)
            switch w.activation {
            case .gelu: return 0.5 * u * (1 + Foundation.erf(u / 2.0.squareRoot()))
            case .swiGLU: return u / (1 + Foundation.exp(-u)) * row(m.w3!, o, bias: nil)
            }
        }
        return (0..<d).map { o -> Double in
            var acc = w.b2.map { Double($0[o]) } ?? 0
            for i in 0..<f { acc += Double(m.w2[o * f + i]) * h[i] }
            return acc
        }
    }
}
