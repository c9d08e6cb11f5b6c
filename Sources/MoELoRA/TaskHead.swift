// A task's classification head on the mean-pooled final hidden states.

import Foundation
import TensorCore

/// logits = W · pooled + bias; softmax gives one probability per label.
///
/// Shapes: C labels, d hidden; weight [C, d], bias [C].
public struct TaskHead: Sendable {
    public let labels: [String]
    public let weight: FloatStorage
    public let bias: FloatStorage

    public init(labels: [String], weight: [Float], bias: [Float]) {
        self.init(labels: labels, weight: FloatStorage(weight), bias: FloatStorage(bias))
    }

    public init(labels: [String], weight: FloatStorage, bias: FloatStorage) {
        precondition(
            !labels.isEmpty && bias.count == labels.count && weight.count % labels.count == 0,
            "head sizes do not match its labels")
        self.labels = labels
        self.weight = weight
        self.bias = bias
    }

    /// Input size d.
    public var inputSize: Int { weight.count / labels.count }

    /// Class probabilities for one pooled vector [d]; computed in Double, summing to 1.
    public func probabilities(_ pooled: [Float]) -> [Float] {
        let d = inputSize
        precondition(pooled.count == d, "pooled vector has the wrong size")
        let logits = (0..<labels.count).map { c -> Double in
            var acc = Double(bias[c])
            for j in 0..<d { acc += Double(weight[c * d + j]) * Double(pooled[j]) }
            return acc
        }
        let top = logits.max() ?? 0
        let exps = logits.map { Foundation.exp($0 - top) }
        let total = exps.reduce(0, +)
        return exps.map { Float($0 / total) }
    }
}
