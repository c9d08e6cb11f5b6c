// One expert's adapters in one FFN layer.

import TensorCore
import Transformer

/// The LoRA adapters of one expert in one layer: `up` on W1 (d → f: BERT's intermediate projection, Llama's gate
/// projection), `down` on W2 (f → d), and on a gated unit (Llama) `linear` on W3 (d → f, the up projection).
public struct ExpertLayer: Sendable {
    public let up: LoRAFactors
    public let down: LoRAFactors
    public let linear: LoRAFactors?

    public init(up: LoRAFactors, down: LoRAFactors, linear: LoRAFactors? = nil) {
        precondition(
            up.rank == down.rank && (linear?.rank ?? up.rank) == up.rank,
            "every adapter of a layer shares the expert's rank")
        self.up = up
        self.down = down
        self.linear = linear
    }

    /// Every adapter, W1's first, then W2's, then W3's.
    public var adapters: [LoRAFactors] { [up, down] + (linear.map { [$0] } ?? []) }

    /// Floats held in memory.
    public var parameterCount: Int { adapters.reduce(0) { $0 + $1.parameterCount } }

    /// Whether every B is zero.
    public var isIdentity: Bool { adapters.allSatisfy { $0.bTransposed.allZero } }

    /// Adapters for a layer of `shape`: A uniform in ±1/√in (moe-cl.md §3's initialisation), B uniform in
    /// ±`bScale`, or zero (and not drawn) when `bScale` is nil. Draw order: W1's A and B, W2's, then W3's.
    public static func random(shape: BackboneShape, rank r: Int, bScale: Float?, rng: inout SplitMix64) -> ExpertLayer {
        let d = shape.hiddenSize, f = shape.intermediateSize
        func factors(in n: Int, out m: Int) -> LoRAFactors {
            let bound = 1 / Float(n).squareRoot()
            let a = (0..<(r * n)).map { _ in bound * rng.nextSigned() }
            let b = bScale.map { scale in (0..<(m * r)).map { _ in scale * rng.nextSigned() } }
            return LoRAFactors(rank: r, inputSize: n, outputSize: m, a: a, b: b ?? [Float](repeating: 0, count: m * r))
        }
        let up = factors(in: d, out: f), down = factors(in: f, out: d)
        return ExpertLayer(up: up, down: down, linear: shape.isGated ? factors(in: d, out: f) : nil)
    }

    /// Raw pointers for the kernels, with `scale` = alpha / rank; valid while `self` is alive.
    func pointers(scale: Float) -> LoRALayerPointers {
        LoRALayerPointers(
            upA: up.a.pointer, upBT: up.bTransposed.pointer, downA: down.a.pointer,
            downBT: down.bTransposed.pointer, rank: up.rank, scale: scale)
    }
}
