// A task's scene detector: does a text look like the texts this task was trained on (its scene), or another's?

import Foundation
import TensorCore

/// A logistic regression on the task's own readout (the head's input), L2-normalised: score = σ(w · x/‖x‖ + b),
/// near 1 for texts of the task's scene and near 0 for other tasks' texts. Fitted by `moecl scene-fit` (the task's
/// training texts against other tasks'); costs one dot product per text, on a vector the forward computes anyway.
/// Its threshold and switch are the expert's `SceneGuard` metadata.
public struct SceneDetector: Sendable {
    /// w, one weight per readout dimension.
    public let weight: FloatStorage
    public let bias: Float

    public init(weight: [Float], bias: Float) {
        self.init(weight: FloatStorage(weight), bias: bias)
    }

    public init(weight: FloatStorage, bias: Float) {
        self.weight = weight
        self.bias = bias
    }

    /// The in-scene probability of one readout vector (computed in Double).
    public func score(_ readout: [Float]) -> Float {
        precondition(readout.count == weight.count, "readout has the wrong size")
        var dot = 0.0, norm = 0.0
        for j in 0..<readout.count {
            dot += Double(weight[j]) * Double(readout[j])
            norm += Double(readout[j]) * Double(readout[j])
        }
        let z = Double(bias) + dot / max(norm.squareRoot(), 1e-12)
        return Float(1 / (1 + Foundation.exp(-z)))
    }
}
