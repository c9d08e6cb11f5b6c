// A LoRA expert as trainable parameters: A and Bᵀ of every FFN adapter in every layer.

import MoELoRA
import TensorCore
import Transformer

/// The trainable form of a `LoRAExpert`, in the same kernel layout.
///
/// Shapes per layer (R rank, d hidden, f intermediate): upA [R, d], upBT [R, f], downA [R, f], downBT [R, d];
/// on a gated unit (Llama) also the W3 adapter: linear.a [R, d], linear.bt [R, f].
/// Names: `<prefix>.<layer>.up.a`, `.up.bt`, `.down.a`, `.down.bt`, `.linear.a`, `.linear.bt`.
public final class LoRAParameters {
    public struct Layer {
        public let upA: Parameter
        public let upBT: Parameter
        public let downA: Parameter
        public let downBT: Parameter
        public let linear: (a: Parameter, bt: Parameter)?

        var all: [Parameter] { [upA, upBT, downA, downBT] + (linear.map { [$0.a, $0.bt] } ?? []) }
    }

    public let rank: Int
    public let alpha: Float
    public let layers: [Layer]

    /// Copies an immutable expert into trainable parameters named after `prefix`.
    public init(_ expert: LoRAExpert, prefix: String) {
        rank = expert.rank
        alpha = expert.alpha
        layers = expert.layers.enumerated().map { l, layer in
            let p = "\(prefix).\(l)."
            return Layer(
                upA: Parameter(name: p + "up.a", values: layer.up.a.array),
                upBT: Parameter(name: p + "up.bt", values: layer.up.bTransposed.array),
                downA: Parameter(name: p + "down.a", values: layer.down.a.array),
                downBT: Parameter(name: p + "down.bt", values: layer.down.bTransposed.array),
                linear: layer.linear.map {
                    (
                        Parameter(name: p + "linear.a", values: $0.a.array),
                        Parameter(name: p + "linear.bt", values: $0.bTransposed.array)
                    )
                })
        }
    }

    /// A fresh expert as moe-cl.md §3 starts one: A uniform in ±1/√in, B = 0 (equal to the base).
    public convenience init(
        fresh shape: BackboneShape, rank: Int, alpha: Float, prefix: String, rng: inout SplitMix64
    ) {
        let layers = (0..<shape.layers).map { _ in
            ExpertLayer.random(shape: shape, rank: rank, bScale: nil, rng: &rng)
        }
        self.init(LoRAExpert(rank: rank, alpha: alpha, layers: layers), prefix: prefix)
    }

    /// alpha / rank.
    public var scale: Float { alpha / Float(rank) }

    /// Every parameter, layer by layer.
    public var parameters: [Parameter] { layers.flatMap(\.all) }

    /// An immutable copy for files and inference.
    public func expert(shape: BackboneShape) -> LoRAExpert {
        let d = shape.hiddenSize, f = shape.intermediateSize
        func factors(_ a: Parameter, _ bt: Parameter, in n: Int, out m: Int) -> LoRAFactors {
            LoRAFactors(
                rank: rank, inputSize: n, outputSize: m, a: FloatStorage(a.values), bTransposed: FloatStorage(bt.values)
            )
        }
        return LoRAExpert(
            rank: rank, alpha: alpha,
            layers: layers.map { layer in
                ExpertLayer(
                    up: factors(layer.upA, layer.upBT, in: d, out: f),
                    down: factors(layer.downA, layer.downBT, in: f, out: d),
                    linear: layer.linear.map { factors($0.a, $0.bt, in: d, out: f) })
            })
    }
}
