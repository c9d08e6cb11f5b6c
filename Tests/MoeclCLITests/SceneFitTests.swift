// moecl scene-fit's arithmetic: the folded detector equals the two-class model it came from, and AUROC by hand.

import Evaluation
import MoELoRA
import MoeclCLI
import Testing

@Suite("moecl scene-fit")
struct SceneFitTests {
    /// Unit vectors around two directions: class 1 near (1, 0, 0), class 0 near (0, 1, 0).
    static let points: ([[Float]], [Int]) = {
        var features: [[Float]] = [], labels: [Int] = []
        for i in 0..<40 {
            let t = Float(i) / 40
            let v: [Float] = i % 2 == 0 ? [1, 0.3 * t, 0.1] : [0.2 * t, 1, -0.1]
            let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            features.append(v.map { $0 / norm })
            labels.append(i % 2 == 0 ? 1 : 0)
        }
        return (features, labels)
    }()

    @Test(arguments: [false, true])
    func theFoldedDetectorIsTheModelsProbabilityOfClassOne(standardise: Bool) {
        let (features, labels) = Self.points
        let model = LogisticRegression.fit(
            features: features, labels: labels, classes: 2, l2: 1e-2, standardise: standardise)
        let detector = SceneFitCommand.detector(model)
        for x in features {
            // The features are unit vectors, so the detector's normalisation changes nothing.
            #expect(abs(detector.score(x) - model.probabilities(x)[1]) < 1e-4)
        }
        #expect(model.accuracy(features: features, labels: labels) == 1)
    }

    @Test func aurocCountsPairsAndHalfTies() {
        #expect(SceneFitCommand.auroc(positive: [0.9, 0.8], negative: [0.1, 0.2]) == 1)
        #expect(SceneFitCommand.auroc(positive: [0.1], negative: [0.9]) == 0)
        // (1 win + 0.5 tie) of 2 pairs.
        #expect(SceneFitCommand.auroc(positive: [0.5], negative: [0.5, 0.2]) == 0.75)
    }
}
