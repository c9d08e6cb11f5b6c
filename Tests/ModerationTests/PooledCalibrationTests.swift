// The `decisions` scope: the one pooled threshold against brute force, the bound it keeps, what they gain over
// per-label thresholds, and how a pooled calibration is tightened.

import Foundation
import Testing

import Moderation

@Suite("Pooled calibration")
struct PooledCalibrationTests {
    typealias Sample = ThresholdCalibrator.Sample
    static let labels = ["compliant", "violating"]

    /// Admitted count and right count of `thresholds` on `data`.
    static func measure(_ thresholds: [String: Double], _ data: [Sample], labels: [String]) -> (n: Int, k: Int) {
        let rule = DecisionRule(
            labels: labels, compliantLabel: nil,
            calibration: Calibration(targetPrecision: 0.5, thresholds: thresholds))
        let decided = data.filter { rule.decide($0.scores).isAutomatic }
        return (decided.count, decided.filter { TopScore.index($0.scores) == $0.label }.count)
    }

    @Test(arguments: [(0.8, 0.95), (0.9, 0.95), (0.9, nil), (0.95, 0.9)] as [(Double, Double?)])
    func oneThresholdMatchesBruteForce(target: Double, confidence: Double?) {
        for seed: UInt64 in [1, 7, 42] {
            let data = ThresholdCalibratorTests.samples(160, seed: seed)
            let calibration = ThresholdCalibrator.calibrate(
                data, labels: Self.labels, targetPrecision: target, confidence: confidence, scope: .decisions)
            func passes(_ n: Int, _ k: Int) -> Bool {
                n == 0
                    || (Double(k) / Double(n) >= target
                        && (confidence.map { PrecisionBound.lower(correct: k, total: n, confidence: $0) >= target }
                            ?? true))
            }
            // Brute force over every common threshold (none, or one of the samples' top scores).
            var best = 0
            for tau in Set(data.map { Double($0.scores[TopScore.index($0.scores)]) }) {
                let (n, k) = Self.measure(["compliant": tau, "violating": tau], data, labels: Self.labels)
                if passes(n, k) { best = max(best, n) }
            }
            let (n, k) = Self.measure(calibration.thresholds, data, labels: Self.labels)
            #expect(n == best, "seed \(seed): \(n) decided, brute force \(best)")
            #expect(passes(n, k))
            #expect(Set(calibration.thresholds.values).count <= 1, "one τ for every label")
            #expect(calibration.scope == .decisions)
            #expect(abs((calibration.expectedRejectRate ?? -1) - Double(n) / Double(data.count)) < 1e-12)
            if let confidence, n > 0 {
                let bound = PrecisionBound.lower(correct: k, total: n, confidence: confidence)
                #expect(abs((calibration.overallPrecisionLowerBound ?? -1) - bound) < 1e-12)
            }
        }
    }

    /// Nothing passes (every sample wrong): no threshold, nothing decided, no pooled bound.
    @Test func noPassingThresholdDecidesNothing() {
        let data = (0..<100).map { i in Sample(scores: [0.9 - Float(i) / 1000, 0.1], label: 1) }
        let calibration = ThresholdCalibrator.calibrate(
            data, labels: Self.labels, targetPrecision: 0.9, confidence: 0.95, scope: .decisions)
        #expect(calibration.thresholds.isEmpty)
        #expect(calibration.expectedRejectRate == 0)
        #expect(calibration.overallPrecisionLowerBound == nil)
    }

    /// A rare label whose own bound cannot reach the target on its few samples, beside a clean majority label:
    /// per-label thresholds never decide the rare label; pooled ones do, and all decisions keep the bound.
    @Test func decidesARareLabelThatPerLabelBoundsCannot() {
        var data: [Sample] = []
        for i in 0..<300 { data.append(.init(scores: [0.9 - Float(i % 50) / 1000, 0.1], label: i % 60 == 0 ? 1 : 0)) }
        for i in 0..<20 { data.append(.init(scores: [0.1, 0.95 - Float(i) / 1000], label: i == 0 ? 0 : 1)) }
        let perLabel = ThresholdCalibrator.calibrate(
            data, labels: Self.labels, targetPrecision: 0.9, confidence: 0.95)
        let pooled = ThresholdCalibrator.calibrate(
            data, labels: Self.labels, targetPrecision: 0.9, confidence: 0.95, scope: .decisions)
        #expect(perLabel.thresholds["violating"] == nil)
        #expect(pooled.thresholds["violating"] != nil)
        #expect((pooled.expectedRejectRate ?? 0) > (perLabel.expectedRejectRate ?? 1))
        #expect((pooled.overallPrecisionLowerBound ?? 0) >= 0.9)
    }

    @Test func threeLabelsPassAndBeatEveryLabelAlone() {
        var rng = ThresholdCalibratorTests.LCG(state: 99)
        let labels = ["a", "b", "c"]
        let data: [Sample] = (0..<300).map { _ in
            let label = Int(rng.next() * 3)
            // Mostly right, and right ones score higher: the top of each label is clean, its tail is not.
            let right = rng.next() < 0.8
            let top = right ? label : (label + 1) % 3
            let p = ((right ? 0.55 + 0.45 * rng.next() : 0.4 + 0.3 * rng.next()) * 100).rounded() / 100
            var scores = Array(repeating: Float((1 - p) / 2), count: 3)
            scores[top] = Float(p)
            return .init(scores: scores, label: label)
        }
        let pooled = ThresholdCalibrator.calibrate(
            data, labels: labels, targetPrecision: 0.9, confidence: 0.95, scope: .decisions)
        let (n, k) = Self.measure(pooled.thresholds, data, labels: labels)
        #expect(n > 0 && PrecisionBound.lower(correct: k, total: n, confidence: 0.95) >= 0.9)
        let alone = ThresholdCalibrator.calibrate(
            data, labels: labels, targetPrecision: 0.9, confidence: 0.95, scope: .label)
        #expect(alone.thresholds.count == 3, "every label can be decided on its own here")
        for label in labels {
            let th = alone.thresholds.filter { $0.key == label }
            #expect(n >= Self.measure(th, data, labels: labels).n, "pooled decides at least what \(label) alone does")
        }
    }

    @Test func scopeRoundTripsAndOldCalibrationsReadAsPerLabel() throws {
        let data = ThresholdCalibratorTests.samples(200, seed: 3)
        let pooled = ThresholdCalibrator.calibrate(
            data, labels: Self.labels, targetPrecision: 0.9, confidence: 0.95, scope: .decisions)
        let json = try JSONEncoder().encode(pooled)
        #expect(String(decoding: json, as: UTF8.self).contains("\"precision_scope\":\"decisions\""))
        #expect(try JSONDecoder().decode(Calibration.self, from: json) == pooled)
        let old = try JSONDecoder().decode(
            Calibration.self, from: Data(#"{"target_precision":0.9,"thresholds":{"violating":0.8}}"#.utf8))
        #expect(old.scope == nil && old.overallPrecisionLowerBound == nil)
    }

    /// Audits condemn a pooled calibration: it is tightened as a whole, never loosened anywhere.
    @Test func tighteningAPooledCalibrationNeverLoosensIt() {
        let data = ThresholdCalibratorTests.samples(400, seed: 11)
        let loose = Calibration(
            targetPrecision: 0.9, thresholds: ["compliant": 0.5, "violating": 0.5], confidence: 0.95)
        var pooledLoose = loose
        pooledLoose.scope = .decisions
        let watch = PrecisionWatch(
            audits: data, labels: Self.labels, calibration: pooledLoose, target: 0.9, confidence: 0.95)
        #expect(watch.alarm)
        let next = ThresholdTightening.tightened(pooledLoose, watch: watch, samples: data, labels: Self.labels)
        for (label, tau) in next.thresholds { #expect(tau >= pooledLoose.thresholds[label]!) }
        let (n, k) = Self.measure(next.thresholds, data, labels: Self.labels)
        #expect(n == 0 || PrecisionBound.lower(correct: k, total: n, confidence: 0.95) >= 0.9)
        #expect(n < Self.measure(pooledLoose.thresholds, data, labels: Self.labels).n)
        #expect(next.scope == .decisions)
    }
}
