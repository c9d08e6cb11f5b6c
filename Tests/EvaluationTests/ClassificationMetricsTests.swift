// Accuracy, per-class F1 and macro-F1 on small hand-computed cases.

import Evaluation
import Foundation
import Testing

@Suite("ClassificationMetrics")
struct ClassificationMetricsTests {
    @Test func scoresAHandComputedThreeClassCase() {
        // Class 0: tp 1, fp 1, fn 1 → 0.5. Class 1: tp 2, fp 1, fn 0 → 0.8. Class 2: tp 1, fp 0, fn 1 → 2/3.
        let metrics = ClassificationMetrics(predictions: [0, 1, 1, 1, 2, 0], labels: [0, 0, 1, 1, 2, 2], classes: 4)
        #expect(metrics.count == 6)
        #expect(abs(metrics.accuracy - 4.0 / 6.0) < 1e-12)
        #expect(metrics.perClassF1.count == 4)
        #expect(abs(metrics.perClassF1[0] - 0.5) < 1e-12)
        #expect(abs(metrics.perClassF1[1] - 0.8) < 1e-12)
        #expect(abs(metrics.perClassF1[2] - 2.0 / 3.0) < 1e-12)
        #expect(metrics.perClassF1[3] == 0)
        // Class 3 occurs nowhere, so the macro mean is over three classes.
        #expect(abs(metrics.macroF1 - (0.5 + 0.8 + 2.0 / 3.0) / 3) < 1e-12)
    }

    @Test func aClassOnlyPredictedCountsInTheMacroMean() {
        // Class 0: tp 1, fn 1 → 2/3; class 3 predicted once, never true → 0 and included.
        let metrics = ClassificationMetrics(predictions: [0, 3], labels: [0, 0], classes: 4)
        #expect(abs(metrics.macroF1 - 1.0 / 3.0) < 1e-12)
        #expect(metrics.accuracy == 0.5)
    }

    @Test func anOutOfRangePredictionIsAMiss() {
        let metrics = ClassificationMetrics(predictions: [-1, 1], labels: [0, 1], classes: 2)
        #expect(metrics.perClassF1 == [0, 1])
        #expect(metrics.macroF1 == 0.5)
        #expect(metrics.accuracy == 0.5)
    }

    @Test func noSamplesScoreZero() {
        let metrics = ClassificationMetrics(predictions: [], labels: [], classes: 2)
        #expect(metrics.count == 0)
        #expect(metrics.accuracy == 0)
        #expect(metrics.macroF1 == 0)
        #expect(metrics.perClassF1 == [0, 0])
    }

    @Test func perfectPredictionsScoreOne() {
        let metrics = ClassificationMetrics(predictions: [2, 0, 1, 2], labels: [2, 0, 1, 2], classes: 3)
        #expect(metrics.accuracy == 1)
        #expect(metrics.macroF1 == 1)
        #expect(metrics.perClassF1 == [1, 1, 1])
    }

    @Test func encodesWithSnakeCaseKeysAndRoundTrips() throws {
        let metrics = ClassificationMetrics(predictions: [0, 1, 1], labels: [0, 1, 0], classes: 2)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let data = try encoder.encode(metrics)
        let json = try #require(String(data: data, encoding: .utf8))
        #expect(json.contains("\"macro_f1\""))
        #expect(json.contains("\"per_class_f1\""))
        #expect(json.contains("\"count\":3"))
        #expect(try JSONDecoder().decode(ClassificationMetrics.self, from: data) == metrics)
    }
}
