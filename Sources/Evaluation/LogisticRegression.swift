// Multinomial logistic regression on standardised dense features: the frozen-embedding baseline.

import Foundation

/// A multinomial (softmax) logistic-regression classifier over dense `Float` features, used as the
/// baseline "logistic regression on frozen mean-pooled embeddings".
///
/// Features are first standardised with the training set's statistics, `x' = (x − mean)·scale`,
/// and the model scores `z = W·x' + b`. Training minimises the mean cross-entropy plus
/// `(l2/2)·‖W‖²` (the bias is not penalised) with deterministic full-batch L-BFGS, accumulating
/// in `Double`; the same inputs always give bit-identical weights.
public struct LogisticRegression: Sendable {
    /// Number of classes `C`; labels are `0..<C`.
    public let classes: Int
    /// Feature dimension `d`.
    public let dimension: Int
    /// Per-feature training mean.
    public let mean: [Float]
    /// Per-feature `1/std` on the training set (population std), 1 where the std is 0.
    public let scale: [Float]
    /// Weights `[C, d]` row-major, acting on standardised features.
    public let weight: [Float]
    /// Bias per class.
    public let bias: [Float]

    /// Trains a model on `features` (each of the same dimension) with `labels` in `0..<classes`,
    /// running at most `iterations` L-BFGS steps. With no samples the model is all zeros
    /// (uniform probabilities). `standardise: false` keeps the features as they are (mean 0, scale 1): the L2
    /// penalty then bounds the weights on the raw features (wanted when they are folded into one dot product,
    /// where a near-constant feature's 1/std would blow its weight up).
    public static func fit(
        features: [[Float]], labels: [Int], classes: Int, l2: Double,
        iterations: Int = 300, standardise: Bool = true
    ) -> LogisticRegression {
        precondition(features.count == labels.count, "\(features.count) feature rows for \(labels.count) labels")
        precondition(classes >= 1, "need at least one class")
        precondition(l2 >= 0, "l2 must be non-negative")
        precondition(labels.allSatisfy { (0..<classes).contains($0) }, "a label is outside 0..<\(classes)")
        let dimension = features.first?.count ?? 0
        precondition(features.allSatisfy { $0.count == dimension }, "feature rows differ in dimension")
        let n = Double(features.count)
        var mean = [Double](repeating: 0, count: dimension)
        var variance = [Double](repeating: 0, count: dimension)
        for row in features { for k in 0..<dimension { mean[k] += Double(row[k]) } }
        if n > 0 { for k in 0..<dimension { mean[k] /= n } }
        for row in features {
            for k in 0..<dimension {
                let deviation = Double(row[k]) - mean[k]
                variance[k] += deviation * deviation
            }
        }
        if !standardise { mean = [Double](repeating: 0, count: dimension) }
        let scale = variance.map { sum -> Double in
            let std = n > 0 ? (sum / n).squareRoot() : 0
            return standardise && std > 0 ? 1 / std : 1
        }
        let meanF = mean.map(Float.init), scaleF = scale.map(Float.init)
        // Standardise with the stored Float statistics so training sees what prediction will see.
        let standardised = features.map { row in
            (0..<dimension).map { k in Double(row[k] - meanF[k]) * Double(scaleF[k]) }
        }
        let objective = SoftmaxObjective(
            standardised: standardised, labels: labels, classes: classes,
            dimension: dimension, l2: l2)
        let start = [Double](repeating: 0, count: objective.parameterCount)
        let solution =
            features.isEmpty
            ? start
            : LBFGS(iterations: iterations).minimise(from: start) { x, g in
                objective.evaluate(x, gradient: &g)
            }
        let width = objective.lanes * 4
        var weight = [Float](repeating: 0, count: classes * dimension)
        for c in 0..<classes {
            for k in 0..<dimension { weight[c * dimension + k] = Float(solution[c * width + k]) }
        }
        let bias = (0..<classes).map { Float(solution[classes * width + $0]) }
        return LogisticRegression(
            classes: classes, dimension: dimension, mean: meanF, scale: scaleF,
            weight: weight, bias: bias)
    }

    /// Builds a model from its parts, e.g. ones saved earlier; `weight` is `[C, d]` row-major.
    public init(classes: Int, dimension: Int, mean: [Float], scale: [Float], weight: [Float], bias: [Float]) {
        precondition(mean.count == dimension && scale.count == dimension, "statistics must have \(dimension) entries")
        precondition(weight.count == classes * dimension && bias.count == classes, "parameter shapes do not match")
        self.classes = classes
        self.dimension = dimension
        self.mean = mean
        self.scale = scale
        self.weight = weight
        self.bias = bias
    }

    /// Raw class scores `W·x' + b` for one feature vector of length `dimension`.
    public func logits(_ x: [Float]) -> [Double] {
        precondition(x.count == dimension, "expected \(dimension) features, got \(x.count)")
        let standardised = (0..<dimension).map { k in Double(x[k] - mean[k]) * Double(scale[k]) }
        return (0..<classes).map { c in
            var sum = Double(bias[c])
            for k in 0..<dimension { sum += Double(weight[c * dimension + k]) * standardised[k] }
            return sum
        }
    }

    /// Softmax class probabilities for one feature vector; they sum to 1.
    public func probabilities(_ x: [Float]) -> [Float] {
        let z = logits(x)
        let largest = z.max() ?? 0
        let exps = z.map { Foundation.exp($0 - largest) }
        let total = exps.reduce(0, +)
        return exps.map { Float($0 / total) }
    }

    /// The most probable class (the lowest index among ties).
    public func predict(_ x: [Float]) -> Int {
        let z = logits(x)
        var best = 0
        for c in z.indices where z[c] > z[best] { best = c }
        return best
    }

    /// Mean cross-entropy of this model on `features`/`labels` plus `(l2/2)·‖W‖²`: the quantity
    /// `fit` minimises (computed from the stored `Float` parameters).
    public func objective(features: [[Float]], labels: [Int], l2: Double) -> Double {
        precondition(features.count == labels.count, "\(features.count) feature rows for \(labels.count) labels")
        var loss = 0.0
        for (row, label) in zip(features, labels) {
            let z = logits(row)
            let largest = z.max() ?? 0
            let total = z.reduce(0) { $0 + Foundation.exp($1 - largest) }
            loss += Foundation.log(total) + largest - z[label]
        }
        let penalty = weight.reduce(0) { $0 + Double($1) * Double($1) }
        return (features.isEmpty ? 0 : loss / Double(features.count)) + 0.5 * l2 * penalty
    }

    /// Share of `features` whose prediction equals the label; 0 with no samples.
    public func accuracy(features: [[Float]], labels: [Int]) -> Double {
        precondition(features.count == labels.count, "\(features.count) feature rows for \(labels.count) labels")
        guard !features.isEmpty else { return 0 }
        let correct = zip(features, labels).filter { predict($0.0) == $0.1 }.count
        return Double(correct) / Double(features.count)
    }

    /// Fits one model per `l2` in `l2Grid` on the training set and returns the one with the best
    /// accuracy on the dev set (ties go to the larger `l2`), with its `l2` and dev accuracy.
    public static func select(
        trainFeatures: [[Float]], trainLabels: [Int], devFeatures: [[Float]], devLabels: [Int],
        classes: Int, l2Grid: [Double] = [1e-4, 1e-3, 1e-2, 1e-1, 1],
        iterations: Int = 300, standardise: Bool = true
    ) -> (model: LogisticRegression, l2: Double, devAccuracy: Double) {
        precondition(!l2Grid.isEmpty, "the l2 grid is empty")
        var best: (model: LogisticRegression, l2: Double, devAccuracy: Double)?
        for l2 in l2Grid {
            let model = fit(
                features: trainFeatures, labels: trainLabels, classes: classes, l2: l2, iterations: iterations,
                standardise: standardise)
            let accuracy = model.accuracy(features: devFeatures, labels: devLabels)
            if let current = best,
                accuracy < current.devAccuracy || (accuracy == current.devAccuracy && l2 <= current.l2)
            {
                continue
            }
            best = (model, l2, accuracy)
        }
        return best!
    }
}
