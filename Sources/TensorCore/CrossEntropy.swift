// Softmax cross-entropy of one row of logits against a class index, with its gradient.

import Foundation

/// loss = −log softmax(logits)[label]; dlogits = softmax(logits) − onehot(label). Computed in Double.
public enum CrossEntropy {
    /// The loss and the gradient with respect to the logits.
    public static func lossAndGradient(logits: [Float], label: Int) -> (loss: Double, gradient: [Float]) {
        precondition(logits.indices.contains(label), "label out of range")
        let top = Double(logits.max() ?? 0)
        let exps = logits.map { Foundation.exp(Double($0) - top) }
        let total = exps.reduce(0, +)
        let loss = -(Double(logits[label]) - top - Foundation.log(total))
        let gradient = exps.indices.map { Float(exps[$0] / total - ($0 == label ? 1 : 0)) }
        return (loss, gradient)
    }
}
