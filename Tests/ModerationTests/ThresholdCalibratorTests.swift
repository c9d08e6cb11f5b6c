// Threshold search: against brute force on random data, and the decision rule reproduces the expected reject rate.

import Moderation
import Testing

@Suite("ThresholdCalibrator")
struct ThresholdCalibratorTests {
    static let labels = ["compliant", "violating"]

    /// A small deterministic generator for scores.
    struct LCG {
        var state: UInt64
        mutating func next() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(state >> 11) / Double(1 << 53)
        }
    }

    static func samples(_ count: Int, seed: UInt64) -> [ThresholdCalibrator.Sample] {
        var rng = LCG(state: seed)
        return (0..<count).map { _ in
            let label = rng.next() < 0.4 ? 1 : 0
            // Informative but noisy scores, rounded so that ties occur.
            var p = label == 1 ? 0.35 + 0.65 * rng.next() : 0.65 * rng.next()
            p = (p * 50).rounded() / 50
            return .init(scores: [Float(1 - p), Float(p)], label: label)
        }
    }

    @Test(arguments: [0.8, 0.9, 0.95])
    func matchesBruteForceAndTheDecisionRule(target: Double) {
        let data = Self.samples(400, seed: 42)
        let calibration = ThresholdCalibrator.calibrate(data, labels: Self.labels, targetPrecision: target)
        // Brute force: every candidate τ for each label, keep the admissible one deciding the most samples.
        var decidedTotal = 0
        for c in 0..<2 {
            var bestCount = 0
            for tau in Set(data.map { $0.scores[c] }) {
                let set = data.filter {
                    ($0.scores[c] > $0.scores[1 - c] || ($0.scores[c] == $0.scores[1 - c] && c == 0))
                        && $0.scores[c] >= tau
                }
                guard !set.isEmpty else { continue }
                let precision = Double(set.filter { $0.label == c }.count) / Double(set.count)
                if precision >= target { bestCount = max(bestCount, set.count) }
            }
            decidedTotal += bestCount
            #expect((calibration.thresholds[Self.labels[c]] != nil) == (bestCount > 0))
        }
        #expect(abs((calibration.expectedRejectRate ?? -1) - Double(decidedTotal) / 400) < 1e-12)
        // The deployed rule with these thresholds decides exactly that share, at the achieved precision.
        let rule = DecisionRule(labels: Self.labels, compliantLabel: "compliant", calibration: calibration)
        let decisions = data.map { rule.decide($0.scores) }
        #expect(decisions.filter(\.isAutomatic).count == decidedTotal)
        let blacks = zip(decisions, data).filter { $0.0 == .black }
        if !blacks.isEmpty {
            let precision = Double(blacks.filter { $0.1.label == 1 }.count) / Double(blacks.count)
            #expect(precision >= target && abs(precision - (calibration.achievedPrecision?["violating"] ?? 0)) < 1e-12)
        }
    }

    @Test func separableDataIsAllDecidedAndHopelessDataIsNot() {
        let clean = (0..<10).map { i in
            ThresholdCalibrator.Sample(scores: i < 5 ? [0.9, 0.1] : [0.2, 0.8], label: i < 5 ? 0 : 1)
        }
        let all = ThresholdCalibrator.calibrate(clean, labels: Self.labels, targetPrecision: 0.99)
        #expect(
            all.expectedRejectRate == 1
                && all.thresholds.mapValues { Float($0) } == ["compliant": 0.9, "violating": 0.8])
        let noisy = (0..<10).map { i in ThresholdCalibrator.Sample(scores: [0.4, 0.6], label: i % 2) }
        let none = ThresholdCalibrator.calibrate(noisy, labels: Self.labels, targetPrecision: 0.9)
        #expect(none.expectedRejectRate == 0 && none.thresholds.isEmpty)
    }
}

@Suite("ThresholdCalibrator with a confidence bound")
struct BoundedThresholdCalibratorTests {
    @Test func everyChosenThresholdHasItsLowerBoundAtTheTarget() {
        let data = ThresholdCalibratorTests.samples(2000, seed: 9)
        let labels = ThresholdCalibratorTests.labels
        let point = ThresholdCalibrator.calibrate(data, labels: labels, targetPrecision: 0.9)
        let bounded = ThresholdCalibrator.calibrate(data, labels: labels, targetPrecision: 0.9, confidence: 0.95)
        #expect(bounded.confidence == 0.95)
        #expect(!bounded.thresholds.isEmpty)
        let rule = DecisionRule(labels: labels, compliantLabel: "compliant", calibration: bounded)
        for (c, label) in labels.enumerated() {
            guard let tau = bounded.thresholds[label] else { continue }
            #expect(tau >= point.thresholds[label] ?? 0, "the bound is stricter than the point estimate")
            let decided = data.filter { ThresholdCalibratorTests.top($0.scores) == c && $0.scores[c] >= Float(tau) }
            let correct = decided.filter { $0.label == c }.count
            let bound = PrecisionBound.lower(correct: correct, total: decided.count, confidence: 0.95)
            #expect(bound >= 0.9 && abs(bound - (bounded.precisionLowerBound?[label] ?? -1)) < 1e-12)
        }
        #expect((bounded.expectedRejectRate ?? 1) <= (point.expectedRejectRate ?? 0))
        #expect(data.filter { rule.decide($0.scores).isAutomatic }.count > 0)
    }

    @Test func tooFewSamplesDecideNothing() {
        // 10 of 10 correct: point precision 1, but the 95 % lower bound is 0.74, below 0.9.
        let clean = (0..<10).map { _ in ThresholdCalibrator.Sample(scores: [0.1, 0.9], label: 1) }
        let bounded = ThresholdCalibrator.calibrate(
            clean, labels: ThresholdCalibratorTests.labels, targetPrecision: 0.9, confidence: 0.95)
        #expect(bounded.thresholds.isEmpty && bounded.expectedRejectRate == 0)
    }
}

extension ThresholdCalibratorTests {
    static func top(_ scores: [Float]) -> Int { scores[1] > scores[0] ? 1 : 0 }
}
