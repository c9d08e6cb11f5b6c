// The second gate of a promotion: a candidate that passed on held-back verdicts is judged again on audit verdicts
// of traffic that came while it shadowed the current expert, which no step of its making has seen.

import Moderation

/// The shadow-phase decision for one candidate.
///
/// Rule (docs/EVOLUTION.md): on the fresh sampled verdicts (random draws of the task's traffic, given after the
/// run started), both experts decide at their own thresholds (the candidate's from its held-back calibration,
/// fixed). The candidate is promoted when its reject rate beats the current expert's by the margin, when the
/// precision of its decisions on the fresh verdicts reaches the target, and when the Clopper-Pearson lower bound
/// over its held-back and fresh decisions together still reaches the target. The held-back set chose the
/// thresholds, so its precision is optimistic; the fresh verdicts are not, and they are what catches a candidate
/// that only the held-back verdicts flatter.
public struct ShadowAssessment: Sendable, Equatable {
    public let current: ExpertMeasures
    public let candidate: ExpertMeasures
    /// The candidate's decisions on held-back and fresh verdicts together, and their precision bound.
    public let pooledAutomatic: Int
    public let pooledCorrect: Int
    public let pooledLowerBound: Double
    public let promote: Bool
    public let reasons: [String]

    /// - Parameters:
    ///   - current / candidate: the fresh verdicts' scores under each expert (same samples, same label order).
    ///   - heldBack: the candidate's measures on its held-back verdicts (from `CandidateAssessment`).
    public init(
        current currentSamples: [ThresholdCalibrator.Sample], candidate candidateSamples: [ThresholdCalibrator.Sample],
        currentRule: DecisionRule, candidateRule: DecisionRule, heldBack: ExpertMeasures, targetPrecision: Double,
        confidence: Double, margin: Double, minimumFresh: Int
    ) {
        precondition(currentSamples.count == candidateSamples.count, "the same fresh samples")
        current = ExpertMeasures(rule: currentRule, samples: currentSamples, confidence: confidence)
        candidate = ExpertMeasures(rule: candidateRule, samples: candidateSamples, confidence: confidence)
        pooledAutomatic = heldBack.automatic + candidate.automatic
        pooledCorrect = heldBack.correct + candidate.correct
        pooledLowerBound = PrecisionBound.lower(correct: pooledCorrect, total: pooledAutomatic, confidence: confidence)
        func percent(_ x: Double) -> String { String(format: "%.1f %%", 100 * x) }
        var reasons: [String] = []
        var promote = true
        if candidateSamples.count < minimumFresh {
            promote = false
            reasons.append(
                "only \(candidateSamples.count) audit verdicts came while shadowing; the policy asks for \(minimumFresh)"
            )
        }
        let gain = candidate.rejectRate - current.rejectRate
        let against =
            "shadow: reject rate \(percent(candidate.rejectRate)) on \(candidateSamples.count) fresh audit verdicts "
            + "against the current expert's \(percent(current.rejectRate))"
        if gain < margin {
            promote = false
            reasons.append(against + ": a gain of \(percent(gain)), less than the margin \(percent(margin))")
        } else {
            reasons.append(against)
        }
        if let precision = candidate.precision {
            if precision < targetPrecision {
                promote = false
                reasons.append(
                    String(
                        format: "shadow: precision %.3f (%d of %d automatic decisions right) is below the target %.3f",
                        precision, candidate.correct, candidate.automatic, targetPrecision))
            }
        }
        if pooledLowerBound < targetPrecision {
            promote = false
            reasons.append(
                String(
                    format: "the precision bound over held-back and shadow decisions (%d of %d right) is %.3f, below "
                        + "the target %.3f", pooledCorrect, pooledAutomatic, pooledLowerBound, targetPrecision))
        }
        self.promote = promote
        self.reasons = reasons
    }
}
