// A task head as trainable parameters.

import MoELoRA
import TensorCore

/// logits = W · pooled + b. Shapes: weight [C, d], bias [C]. Names: `<prefix>.weight`, `<prefix>.bias`.
public final class HeadParameters {
    public let labels: [String]
    public let weight: Parameter
    public let bias: Parameter

    public init(_ head: TaskHead, prefix: String) {
        labels = head.labels
        weight = Parameter(name: prefix + ".weight", values: head.weight.array)
        bias = Parameter(name: prefix + ".bias", values: head.bias.array)
    }

    /// A fresh head: weight uniform in ±1/√d (PyTorch's Linear initialisation), bias 0.
    public convenience init(fresh labels: [String], inputSize d: Int, prefix: String, rng: inout SplitMix64) {
        let bound = 1 / Float(d).squareRoot()
        let weight = (0..<labels.count * d).map { _ in bound * rng.nextSigned() }
        self.init(
            TaskHead(labels: labels, weight: weight, bias: [Float](repeating: 0, count: labels.count)), prefix: prefix)
    }

    public var parameters: [Parameter] { [weight, bias] }

    /// An immutable copy for files and inference.
    public var head: TaskHead { TaskHead(labels: labels, weight: weight.values, bias: bias.values) }
}
