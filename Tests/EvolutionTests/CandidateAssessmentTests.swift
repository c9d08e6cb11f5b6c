// The promotion rule on crafted scores: a better candidate is promoted, a worse one is not (with its reasons), and
// in shared mode a candidate that costs another task accuracy is rejected.

import Evolution
import Moderation
import Testing

@Suite("CandidateAssessment")
struct CandidateAssessmentTests {
    static let labels = ["compliant", "violating"]

    /// n samples, half of each label; `separation` pushes each one's score towards its label.
    static func samples(_ n: Int, separation: Float) -> [ThresholdCalibrator.Sample] {
        (0..<n).map { i in
            let label = i % 2
            let jitter = Float(i % 7) / 70
            let p = label == 1 ? 0.5 + separation - jitter : 0.5 - separation + jitter
            return .init(scores: [1 - p, p], label: label)
        }
    }

    static let uncalibrated = DecisionRule(
        labels: labels, compliantLabel: "compliant", calibration: Calibration(targetPrecision: 0.9, thresholds: [:]))

    @Test func aCandidateThatDecidesMoreAtTheTargetIsPromoted() {
        let current = Self.samples(200, separation: 0.05)
        let candidate = Self.samples(200, separation: 0.4)
        let a = CandidateAssessment(
            current: current, candidate: candidate, currentRule: Self.uncalibrated, targetPrecision: 0.9,
            confidence: 0.95, margin: 0.02)
        #expect(a.promote, "\(a.reasons)")
        #expect(a.current.rejectRate == 0 && a.candidate.rejectRate > 0.5)
        #expect(a.candidate.precisionLowerBound >= 0.9 && a.calibration.confidence == 0.95)
    }

    @Test func aCandidateNoBetterThanTheCurrentExpertIsRejectedWithItsReasons() {
        let scores = Self.samples(200, separation: 0.3)
        let calibrated = ThresholdCalibrator.calibrate(
            scores, labels: Self.labels, targetPrecision: 0.9, confidence: 0.95)
        let rule = DecisionRule(labels: Self.labels, compliantLabel: "compliant", calibration: calibrated)
        let worse = CandidateAssessment(
            current: scores, candidate: Self.samples(200, separation: 0.02), currentRule: rule, targetPrecision: 0.9,
            confidence: 0.95, margin: 0.02)
        #expect(!worse.promote)
        #expect(worse.reasons.contains { $0.contains("less than the margin") })
        #expect(worse.reasons.contains { $0.contains("would decide nothing") })
        let same = CandidateAssessment(
            current: scores, candidate: scores, currentRule: rule, targetPrecision: 0.9, confidence: 0.95,
            margin: 0.02)
        #expect(!same.promote && same.reasons.contains { $0.contains("less than the margin") })
        // The current expert's thresholds already are what the held-back verdicts certify: nothing to refresh.
        #expect(!worse.recalibrate && !same.recalibrate)
    }

    /// A failed candidate, and a current expert whose served thresholds are stricter than the held-back verdicts
    /// (more of them now) need: the current expert goes on with the thresholds they certify.
    @Test func aFailedCandidateLeavesTheCurrentExpertRecalibrated() throws {
        let scores = Self.samples(400, separation: 0.3)
        let strict = DecisionRule(
            labels: Self.labels, compliantLabel: "compliant",
            calibration: Calibration(targetPrecision: 0.9, thresholds: ["compliant": 0.79]))
        let a = CandidateAssessment(
            current: scores, candidate: Self.samples(400, separation: 0.02), currentRule: strict,
            targetPrecision: 0.9, confidence: 0.95, margin: 0.02)
        #expect(!a.promote)
        #expect(a.recalibrate, "\(a.reasons)")
        #expect(a.currentAtTarget.rejectRate >= a.current.rejectRate + 0.02)
        #expect(a.currentAtTarget.precisionLowerBound >= 0.9)
        #expect(a.recalibration.thresholds["violating"] != nil)
        #expect(a.reasons.last?.contains("goes on in the candidate's place") == true)
        // A better trained candidate is promoted itself, never replaced.
        let better = CandidateAssessment(
            current: Self.samples(400, separation: 0.05), candidate: scores, currentRule: Self.uncalibrated,
            targetPrecision: 0.9, confidence: 0.95, margin: 0.02)
        #expect(better.promote && !better.recalibrate)
    }

    @Test func tooFewHeldBackVerdictsPromoteNothing() {
        let a = CandidateAssessment(
            current: Self.samples(20, separation: 0.05), candidate: Self.samples(20, separation: 0.45),
            currentRule: Self.uncalibrated, targetPrecision: 0.9, confidence: 0.95, margin: 0.02)
        #expect(!a.promote && a.reasons.contains { $0.contains("a comparison needs") })
    }

    /// Shared mode's guard: a candidate that helps its task but costs another task more than 0.5 points is not
    /// promoted; one within the bound is.
    @Test func sharedModeRejectsACandidateThatHarmsAnotherTask() {
        let current = Self.samples(200, separation: 0.05), candidate = Self.samples(200, separation: 0.4)
        let harmed = CandidateAssessment(
            current: current, candidate: candidate, currentRule: Self.uncalibrated, targetPrecision: 0.9,
            confidence: 0.95, margin: 0.02,
            otherTasks: [
                "hate": .init(samples: 400, before: 0.90, after: 0.89),
                "spam": .init(samples: 400, before: 0.95, after: 0.948),
            ])
        #expect(!harmed.promote)
        #expect(harmed.reasons.contains { $0.contains("task 'hate' would lose 1.0 points") })
        #expect(!harmed.reasons.contains { $0.contains("'spam'") })
        let fine = CandidateAssessment(
            current: current, candidate: candidate, currentRule: Self.uncalibrated, targetPrecision: 0.9,
            confidence: 0.95, margin: 0.02, otherTasks: ["spam": .init(samples: 400, before: 0.95, after: 0.948)])
        #expect(fine.promote)
    }

    /// The same guard on other tasks' dev data: a drop there alone rejects the candidate, with its reason.
    @Test func sharedModeRejectsACandidateThatHarmsAnotherTasksDevData() {
        let current = Self.samples(200, separation: 0.05), candidate = Self.samples(200, separation: 0.4)
        let harmed = CandidateAssessment(
            current: current, candidate: candidate, currentRule: Self.uncalibrated, targetPrecision: 0.9,
            confidence: 0.95, margin: 0.02, otherTasks: ["hate": .init(samples: 400, before: 0.90, after: 0.90)],
            otherTasksDevelopment: ["hate": .init(samples: 500, before: 0.84, after: 0.826)])
        #expect(!harmed.promote)
        #expect(
            harmed.reasons.contains {
                $0.contains(
                    "task 'hate' would lose 1.4 points of accuracy (0.8400 → 0.8260 on its dev data, 500 texts)")
            })
        let fine = CandidateAssessment(
            current: current, candidate: candidate, currentRule: Self.uncalibrated, targetPrecision: 0.9,
            confidence: 0.95, margin: 0.02,
            otherTasksDevelopment: ["hate": .init(samples: 500, before: 0.84, after: 0.838)])
        #expect(fine.promote && fine.otherTasksDevelopment["hate"]?.samples == 500)
    }
}
