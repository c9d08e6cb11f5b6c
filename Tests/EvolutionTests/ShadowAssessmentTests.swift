// The shadow gate on crafted scores: a candidate that keeps its precision on fresh audit verdicts is promoted; one
// that only the held-back verdicts flattered (fresh precision below target) is rejected with its reasons; too few
// fresh verdicts promote nothing.

import Evolution
import Moderation
import Testing

@Suite("ShadowAssessment")
struct ShadowAssessmentTests {
    static let labels = ["compliant", "violating"]
    static let none = DecisionRule(
        labels: labels, compliantLabel: "compliant", calibration: Calibration(targetPrecision: 0.9, thresholds: [:]))
    static let candidateRule = DecisionRule(
        labels: labels, compliantLabel: "compliant",
        calibration: Calibration(targetPrecision: 0.9, thresholds: ["compliant": 0.8, "violating": 0.8]))

    /// n fresh samples: `confident` of them scored 0.95 for their top label, `wrong` of those with the other
    /// true label; the rest unsure (0.55).
    static func fresh(_ n: Int, confident: Int, wrong: Int) -> [ThresholdCalibrator.Sample] {
        (0..<n).map { i in
            let label = i % 2
            let p: Float = i < confident ? 0.95 : 0.55
            let top = i < wrong ? 1 - label : label
            return .init(scores: top == 1 ? [1 - p, p] : [p, 1 - p], label: label)
        }
    }

    /// 100 held-back decisions, 97 right (a bound of about 0.92).
    static let heldBack = ExpertMeasures(
        rule: candidateRule, samples: fresh(140, confident: 100, wrong: 3), confidence: 0.95)

    @Test func aCandidateThatKeepsItsPrecisionIsPromoted() {
        let samples = Self.fresh(60, confident: 40, wrong: 1)
        let a = ShadowAssessment(
            current: samples, candidate: samples, currentRule: Self.none, candidateRule: Self.candidateRule,
            heldBack: Self.heldBack, targetPrecision: 0.9, confidence: 0.95, margin: 0.02, minimumFresh: 40)
        #expect(a.promote, "\(a.reasons)")
        #expect(a.current.rejectRate == 0 && abs(a.candidate.rejectRate - 40.0 / 60) < 1e-9)
        #expect(a.pooledAutomatic == 140 && a.pooledCorrect == 136 && a.pooledLowerBound >= 0.9)
    }

    @Test func aCandidateOnlyTheHeldBackVerdictsFlatteredIsRejectedWithItsReasons() {
        // 40 automatic decisions on fresh verdicts, 8 of them wrong: precision 0.8.
        let samples = Self.fresh(60, confident: 40, wrong: 8)
        let a = ShadowAssessment(
            current: samples, candidate: samples, currentRule: Self.none, candidateRule: Self.candidateRule,
            heldBack: Self.heldBack, targetPrecision: 0.9, confidence: 0.95, margin: 0.02, minimumFresh: 40)
        #expect(!a.promote)
        #expect(
            a.reasons.contains { $0.contains("precision 0.800") && $0.contains("below the target") }, "\(a.reasons)")
        #expect(a.reasons.contains { $0.contains("held-back and shadow decisions") }, "\(a.reasons)")
    }

    @Test func tooFewFreshVerdictsOrNoGainPromoteNothing() {
        let few = Self.fresh(20, confident: 14, wrong: 0)
        let a = ShadowAssessment(
            current: few, candidate: few, currentRule: Self.none, candidateRule: Self.candidateRule,
            heldBack: Self.heldBack, targetPrecision: 0.9, confidence: 0.95, margin: 0.02, minimumFresh: 40)
        #expect(!a.promote && a.reasons.contains { $0.contains("only 20 audit verdicts") })
        // The current expert decides as much as the candidate: no gain.
        let samples = Self.fresh(60, confident: 40, wrong: 0)
        let same = ShadowAssessment(
            current: samples, candidate: samples, currentRule: Self.candidateRule, candidateRule: Self.candidateRule,
            heldBack: Self.heldBack, targetPrecision: 0.9, confidence: 0.95, margin: 0.02, minimumFresh: 40)
        #expect(!same.promote && same.reasons.contains { $0.contains("less than the margin") })
    }
}
