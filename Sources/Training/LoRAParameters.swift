// A LoRA expert as trainable parameters: A and Bᵀ of both FFN adapters in every layer.

import MoELoRA
import TensorCore
import Transformer

/// The trainable form of a `LoRAExpert`, in the same kernel layout.
///
/// Shapes per layer (R rank, d hidden, f intermediate): upA [R, d], upBT [R, f], downA [R, f], downBT [R, d].
/// Names: `<prefix>.<layer>.up.a`, `.up.bt`, `.down.a`, `.down.bt`.
public final class LoRAParameters {
    public struct Layer {
        public let upA: Parameter
        public let upBT: Parameter
        public let downA: Parameter
        public let downBT: Parameter

        var all: [Parameter] { [upA, upBT, downA, downBT] }
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
                downBT: Parameter(name: p + "down.bt", values: layer.down.bTransposed.array))
        }
    }

    /// A fresh expert as moe-cl.md §3 starts one: A uniform in ±1/√in, B = 0 (equal to the base).
    public convenience init(fresh config: BertConfig, rank: Int, alpha: Float, prefix: String, rng: inout SplitMix64) {
        let d = config.hiddenSize, f = config.intermediateSize
        let layers = (0..<config.numHiddenLayers).map { _ in
            ExpertLayer(
                up: LoRAFactors(
                    rank: rank, inputSize: d, outputSize: f,
                    a: Self.uniform(rank * d, 1 / Float(d).squareRoot(), &rng),
                    b: [Float](repeating: 0, count: f * rank)),
                down: LoRAFactors(
                    rank: rank, inputSize: f, outputSize: d,
                    a: Self.uniform(rank * f, 1 / Float(f).squareRoot(), &rng),
                    b: [Float](repeating: 0, count: d * rank)))
        }
        self.init(LoRAExpert(rank: rank, alpha: alpha, layers: layers), prefix: prefix)
    }

    /// alpha / rank.
    public var scale: Float { alpha / Float(rank) }

    /// Every parameter, layer by layer.
    public var parameters: [Parameter] { layers.flatMap(\.all) }

    /// An immutable copy for files and inference.
    public func expert(config: BertConfig) -> LoRAExpert {
        let d = config.hiddenSize, f = config.intermediateSize
        return LoRAExpert(
            rank: rank, alpha: alpha,
            layers: layers.map { layer in
                ExpertLayer(
                    up: LoRAFactors(
                        rank: rank, inputSize: d, outputSize: f, a: FloatStorage(layer.upA.values),
                        bTransposed: FloatStorage(layer.upBT.values)),
                    down: LoRAFactors(
                        rank: rank, inputSize: f, outputSize: d, a: FloatStorage(layer.downA.values),
                        bTransposed: FloatStorage(layer.downBT.values)))
            })
    }

    static func uniform(_ count: Int, _ bound: Float, _ rng: inout SplitMix64) -> [Float] {
        (0..<count).map { _ in bound * rng.nextSigned() }
    }
}
