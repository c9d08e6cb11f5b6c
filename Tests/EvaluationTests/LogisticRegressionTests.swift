// The logistic-regression baseline: separable data, a 3-class case, optimality, regularisation, determinism.

import Evaluation
import Testing

@Suite("LogisticRegression")
struct LogisticRegressionTests {
    /// A deterministic pseudo-random source (SplitMix64) for reproducible noisy data.
    struct Noise {
        var state: UInt64
        mutating func next() -> Double {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z ^= z >> 31
            return Double(z >> 11) / Double(1 << 53) * 2 - 1  // uniform in [−1, 1)
        }
    }

    /// Grid points in −3…3 on either side of the line x + y = 0, leaving a margin of width 2.
    static func separable() -> (features: [[Float]], labels: [Int]) {
        var features: [[Float]] = [], labels: [Int] = []
        for i in -3...3 {
            for j in -3...3 where abs(i + j) >= 2 {
                features.append([Float(i), Float(j)])
                labels.append(i + j > 0 ? 1 : 0)
            }
        }
        return (features, labels)
    }

    /// Three overlapping clusters around (0, 0), (2, 0) and (1, 2): not separable.
    static func overlapping(count: Int = 90, seed: UInt64 = 7) -> (features: [[Float]], labels: [Int]) {
        let centres: [(Double, Double)] = [(0, 0), (2, 0), (1, 2)]
        var noise = Noise(state: seed)
        var features: [[Float]] = [], labels: [Int] = []
        for n in 0..<count {
            let c = n % 3
            features.append([Float(centres[c].0 + 1.5 * noise.next()), Float(centres[c].1 + 1.5 * noise.next())])
            labels.append(c)
        }
        return (features, labels)
    }

    @Test func separableDataIsClassifiedPerfectly() {
        let data = Self.separable()
        let model = LogisticRegression.fit(features: data.features, labels: data.labels, classes: 2, l2: 1e-3)
        #expect(model.accuracy(features: data.features, labels: data.labels) == 1)
        #expect(model.predict([3, 3]) == 1)
        #expect(model.predict([-2, -1]) == 0)
        #expect(model.weight.count == 4 && model.bias.count == 2)
    }

    @Test func standardisationUsesTrainingStatistics() {
        // Feature 0: mean 2, population std 1; feature 1 is constant, so its scale is 1.
        let model = LogisticRegression.fit(features: [[1, 5], [3, 5]], labels: [0, 1], classes: 2, l2: 0.1)
        #expect(model.mean == [2, 5])
        #expect(model.scale == [1, 1])
        #expect(model.weight[1] == 0 && model.weight[3] == 0)  // a constant feature gets no weight
    }

    @Test func probabilitiesSumToOne() {
        let data = Self.overlapping()
        let model = LogisticRegression.fit(features: data.features, labels: data.labels, classes: 3, l2: 0.01)
        for x: [Float] in [[0, 0], [2, 0], [1, 2], [10, -10], [-50, 40]] {
            let p = model.probabilities(x)
            #expect(p.count == 3)
            #expect(abs(p.reduce(0, +) - 1) < 1e-5)
            #expect(p.allSatisfy { $0 >= 0 && $0 <= 1 })
            #expect(p.firstIndex(of: p.max()!) == model.predict(x))
        }
    }

    @Test func threeClustersAreFoundByThreeClasses() {
        var features: [[Float]] = [], labels: [Int] = []
        let centres: [[Float]] = [[0, 0], [6, 0], [3, 6]]
        for (c, centre) in centres.enumerated() {
            for (dx, dy) in [(0, 0), (1, 0), (0, 1), (-1, 0), (0, -1)] as [(Float, Float)] {
                features.append([centre[0] + dx, centre[1] + dy])
                labels.append(c)
            }
        }
        let model = LogisticRegression.fit(features: features, labels: labels, classes: 3, l2: 1e-2)
        #expect(model.accuracy(features: features, labels: labels) == 1)
        #expect(model.predict([0.5, 0.2]) == 0)
        #expect(model.predict([5.5, -0.5]) == 1)
        #expect(model.predict([3, 5]) == 2)
        #expect(model.probabilities([6, 0])[1] > 0.9)
    }

    @Test func theFittedModelIsAtTheMinimum() {
        let data = Self.overlapping()
        let l2 = 0.1
        let model = LogisticRegression.fit(features: data.features, labels: data.labels, classes: 3, l2: l2)
        let best = model.objective(features: data.features, labels: data.labels, l2: l2)
        #expect(best > 0.3 && best < 1.1)  // overlapping classes: well below log 3 ≈ 1.099, well above 0
        let h: Float = 1e-2
        func perturbed(weight index: Int?, bias biasIndex: Int?, by delta: Float) -> Double {
            var weight = model.weight, bias = model.bias
            if let index { weight[index] += delta }
            if let biasIndex { bias[biasIndex] += delta }
            let moved = LogisticRegression(
                classes: 3, dimension: 2, mean: model.mean, scale: model.scale,
                weight: weight, bias: bias)
            return moved.objective(features: data.features, labels: data.labels, l2: l2)
        }
        let probes: [(Int?, Int?)] = (0..<6).map { ($0, nil) } + (0..<3).map { (nil, $0) }
        for (w, b) in probes {
            let up = perturbed(weight: w, bias: b, by: h), down = perturbed(weight: w, bias: b, by: -h)
            let slope = (up - down) / Double(2 * h)
            #expect(
                abs(slope) < 1e-4,
                "∂f/∂θ = \(slope) at weight \(String(describing: w)) bias \(String(describing: b))")
            #expect(up >= best && down >= best)
        }
    }

    @Test func strongerRegularisationShrinksTheWeights() {
        let data = Self.overlapping()
        func norm(_ l2: Double) -> Float {
            LogisticRegression.fit(features: data.features, labels: data.labels, classes: 3, l2: l2)
                .weight.reduce(0) { $0 + $1 * $1 }
        }
        let weak = norm(1e-3), medium = norm(0.1), strong = norm(1)
        #expect(weak > medium && medium > strong)
        #expect(strong > 0)
    }

    @Test func fittingIsDeterministic() {
        // More than one chunk of samples, so the parallel reduction order is exercised.
        let data = Self.overlapping(count: 600, seed: 11)
        let first = LogisticRegression.fit(features: data.features, labels: data.labels, classes: 3, l2: 1e-3)
        let second = LogisticRegression.fit(features: data.features, labels: data.labels, classes: 3, l2: 1e-3)
        #expect(first.weight == second.weight)
        #expect(first.bias == second.bias)
        #expect(first.mean == second.mean && first.scale == second.scale)
    }

    @Test func selectionPrefersTheLargerL2OnTies() {
        let data = Self.separable()
        let dev: [[Float]] = [[3, 2], [-3, -1], [1, 2], [-2, 0]]
        let result = LogisticRegression.select(
            trainFeatures: data.features, trainLabels: data.labels,
            devFeatures: dev, devLabels: [1, 0, 1, 0], classes: 2,
            l2Grid: [1e-3, 1e-1, 1])
        #expect(result.devAccuracy == 1)
        #expect(result.l2 == 1)  // every l2 separates this dev set; the tie goes to the largest
    }

    @Test func selectionPicksTheBestDevAccuracy() {
        // With l2 = 1000 the weight is ≈ 0 and the bias (majority class 0) decides every dev sample,
        // scoring 1/3; the weakly regularised model gets all three right.
        var features: [[Float]] = [], labels: [Int] = []
        for i in 0..<12 {
            features.append([Float(i)])
            labels.append(i >= 8 ? 1 : 0)
        }
        let result = LogisticRegression.select(
            trainFeatures: features, trainLabels: labels,
            devFeatures: [[1], [10], [11]], devLabels: [0, 1, 1], classes: 2,
            l2Grid: [1e-2, 1000])
        #expect(result.l2 == 1e-2)
        #expect(result.devAccuracy == 1)
    }
}
