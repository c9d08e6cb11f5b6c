// Whether a candidate expert may replace the current one: calibrated on held-back verdicts by a lower confidence
// bound, then compared with the current expert on the same verdicts.

import Moderation

/// The promotion decision for one candidate, with every measure it rests on and the reasons.
///
/// Rule (docs/EVOLUTION.md): the candidate's thresholds are calibrated on the held-back sampled verdicts so that
/// the Clopper-Pearson lower bound of precision reaches the target: that of each label (`scope` `.label`, the
/// policy's default) or that of all automatic decisions together (`.decisions`). The current expert is
/// calibrated on the same verdicts by the same rule (`currentAtTarget`), so both reject rates are taken at the
/// target precision with the same optimism. The candidate passes when it decides something, when its reject rate
/// beats the current expert's at the target by the margin, and, in `shared` mode, when no other task's accuracy
/// on its own held-back verdicts, or on its dev data where found, drops by more than `maxOtherTaskDrop`. Passing sends it to the shadow phase
/// (`ShadowAssessment`), which judges it on verdicts it has never seen.
public struct CandidateAssessment: Sendable, Equatable {
    public let calibration: Calibration
    /// The current expert at its own (served) thresholds.
    public let current: ExpertMeasures
    /// The current expert with thresholds calibrated on the held-back verdicts as the candidate's are.
    public let currentAtTarget: ExpertMeasures
    public let candidate: ExpertMeasures
    /// Other tasks' accuracy on their held-back verdicts before and after (shared mode only).
    public let otherTasks: [String: OtherTaskAccuracy]
    /// Other tasks' accuracy on their dev data before and after (shared mode, for experts whose training file is
    /// found: the dev split beside it).
    public let otherTasksDevelopment: [String: OtherTaskAccuracy]
    public let promote: Bool
    /// The current expert's thresholds calibrated on the held-back verdicts (`currentAtTarget`'s).
    public let recalibration: Calibration
    /// When the trained candidate fails: whether the current expert with `recalibration` should go on in its place.
    /// The held-back verdicts grow run after run and no evolved expert trains on them (`VerdictSplit` keeps each
    /// item on its side), so they may certify more of what the current expert decides than its thresholds do.
    public let recalibrate: Bool
    /// Why the candidate is or is not promoted, one sentence each.
    public let reasons: [String]

    /// Accuracy of another task before and after a shared-mode candidate.
    public struct OtherTaskAccuracy: Sendable, Equatable, Codable {
        public let samples: Int
        public let before: Double
        public let after: Double

        public init(samples: Int, before: Double, after: Double) {
            self.samples = samples
            self.before = before
            self.after = after
        }
    }

    /// The most an other task's accuracy may drop in `shared` mode (0.5 points).
    public static let maxOtherTaskDrop = 0.005
    /// Held-back verdicts a comparison needs at least.
    public static let minimumHeldBack = 30

    /// - Parameters:
    ///   - current / candidate: the held-back samples' scores under each expert (same samples, same label order).
    ///   - currentRule: the current expert's decision rule (its own thresholds).
    public init(
        current currentSamples: [ThresholdCalibrator.Sample], candidate candidateSamples: [ThresholdCalibrator.Sample],
        currentRule: DecisionRule, targetPrecision: Double, confidence: Double, scope: PrecisionScope = .label,
        margin: Double, otherTasks: [String: OtherTaskAccuracy] = [:],
        otherTasksDevelopment: [String: OtherTaskAccuracy] = [:], calibratedAt: String? = nil
    ) {
        precondition(currentSamples.count == candidateSamples.count, "the same held-back samples")
        let labels = currentRule.labels
        calibration = ThresholdCalibrator.calibrate(
            candidateSamples, labels: labels, targetPrecision: targetPrecision, confidence: confidence,
            scope: scope, calibratedAt: calibratedAt)
        let candidateRule = DecisionRule(
            labels: labels, compliantLabel: currentRule.compliantLabel, calibration: calibration)
        current = ExpertMeasures(rule: currentRule, samples: currentSamples, confidence: confidence)
        let recalibrated = ThresholdCalibrator.calibrate(
            currentSamples, labels: labels, targetPrecision: targetPrecision, confidence: confidence, scope: scope)
        recalibration = recalibrated
        currentAtTarget = ExpertMeasures(
            rule: DecisionRule(labels: labels, compliantLabel: currentRule.compliantLabel, calibration: recalibrated),
            samples: currentSamples, confidence: confidence)
        candidate = ExpertMeasures(rule: candidateRule, samples: candidateSamples, confidence: confidence)
        self.otherTasks = otherTasks
        self.otherTasksDevelopment = otherTasksDevelopment
        var reasons: [String] = []
        var promote = true
        func percent(_ x: Double) -> String { String(format: "%.1f %%", 100 * x) }
        if candidateSamples.count < Self.minimumHeldBack {
            promote = false
            reasons.append(
                "only \(candidateSamples.count) held-back sampled verdicts; a comparison needs "
                    + "\(Self.minimumHeldBack)")
        }
        if calibration.thresholds.isEmpty {
            promote = false
            reasons.append(
                "no threshold reaches a \(percent(confidence)) lower bound of precision ≥ \(targetPrecision) on "
                    + "\(candidateSamples.count) held-back verdicts; the candidate would decide nothing")
        } else if candidate.precisionLowerBound < targetPrecision {
            promote = false
            reasons.append(
                String(
                    format: "the candidate's overall precision bound %.3f is below the target %.3f",
                    candidate.precisionLowerBound, targetPrecision))
        }
        let gain = candidate.rejectRate - currentAtTarget.rejectRate
        let against =
            "reject rate \(percent(candidate.rejectRate)) on \(candidateSamples.count) held-back verdicts against the "
            + "current expert's \(percent(currentAtTarget.rejectRate)), both calibrated there to a precision bound "
            + "≥ \(targetPrecision)"
        if gain < margin {
            promote = false
            reasons.append(against + ": a gain of \(percent(gain)), less than the margin \(percent(margin))")
        } else {
            reasons.append(against)
        }
        for (others, on) in [(otherTasks, "%d held-back verdicts"), (otherTasksDevelopment, "its dev data, %d texts")] {
            for (task, other) in others.sorted(by: { $0.key < $1.key })
            where other.before - other.after > Self.maxOtherTaskDrop {
                promote = false
                reasons.append(
                    String(
                        format: "task '%@' would lose %.1f points of accuracy (%.4f → %.4f on \(on))",
                        task, 100 * (other.before - other.after), other.before, other.after, other.samples))
            }
        }
        // In place of a failed candidate: the current expert at the thresholds the held-back verdicts certify.
        let refresh = currentAtTarget.rejectRate - current.rejectRate
        recalibrate =
            !promote && candidateSamples.count >= Self.minimumHeldBack && !recalibrated.thresholds.isEmpty
            && currentAtTarget.precisionLowerBound >= targetPrecision && refresh >= margin
        if recalibrate {
            reasons.append(
                "the current expert recalibrated on the \(candidateSamples.count) held-back verdicts decides "
                    + "\(percent(currentAtTarget.rejectRate)) against \(percent(current.rejectRate)) at its served "
                    + "thresholds: it goes on in the candidate's place, with those thresholds")
        }
        self.promote = promote
        self.reasons = reasons
    }
}
