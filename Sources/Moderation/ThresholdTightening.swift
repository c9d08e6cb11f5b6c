// The "tighten" response to a precision alarm: raise the thresholds of the labels whose audited precision fell
// below the target, so that more of their texts go to review.

/// Tightens a calibration on labelled random samples of the decisions it makes.
///
/// For each label whose audited precision (point estimate, `PrecisionWatch.byLabel`) is below the target, the
/// label is recalibrated on the samples the current thresholds decide automatically as that label: the new τ is
/// the lowest of their scores at which the Clopper-Pearson lower bound at `confidence` reaches the target
/// (`ThresholdCalibrator`), so it is never below the old τ; when no score certifies it, the label loses its
/// threshold and all its texts go to review; so does a label whose new τ would admit every sample it admits now
/// (the alarm was raised on those). Other labels keep theirs. The samples must be random among the
/// decisions (sampled traffic or audits), never review items: those are the uncertain ones.
///
/// A calibration of scope `.decisions` promised the precision of all decisions together, so it is tightened as a
/// whole: the admitted samples are recalibrated by the pooled search (`PooledThresholdSearch`) and every label
/// takes the higher of its old and new τ, or loses its threshold when the new calibration has none for it. When
/// that moves no threshold, the labels whose audited precision is below the target lose theirs.
public enum ThresholdTightening {
    public static func tightened(
        _ calibration: Calibration, watch: PrecisionWatch, samples: [ThresholdCalibrator.Sample], labels: [String],
        calibratedAt: String? = nil
    ) -> Calibration {
        let rule = DecisionRule(labels: labels, compliantLabel: nil, calibration: calibration)
        let admitted = samples.filter { rule.decide($0.scores).isAutomatic }
        if calibration.scope == .decisions {
            return pooled(calibration, watch: watch, admitted: admitted, labels: labels, calibratedAt: calibratedAt)
        }
        let recalibrated = ThresholdCalibrator.calibrate(
            admitted, labels: labels, targetPrecision: watch.target, confidence: watch.confidence)
        var next = calibration
        for (label, count) in watch.byLabel where (count.precision ?? 1) < watch.target {
            guard let c = labels.firstIndex(of: label) else { continue }
            // The audits alarmed on what the label admits now: a τ that admits all of it again is no answer.
            let lowest = admitted.filter { TopScore.index($0.scores) == c }.map { $0.scores[c] }.min()
            var tau = recalibrated.thresholds[label]
            if let t = tau, let lowest, Float(t) <= lowest { tau = nil }
            next.thresholds[label] = tau
            next.achievedPrecision?[label] = tau == nil ? nil : recalibrated.achievedPrecision?[label]
            next.precisionLowerBound?[label] = tau == nil ? nil : recalibrated.precisionLowerBound?[label]
        }
        next.expectedRejectRate = nil
        next.calibratedAt = calibratedAt ?? next.calibratedAt
        return next
    }

    static func pooled(
        _ calibration: Calibration, watch: PrecisionWatch, admitted: [ThresholdCalibrator.Sample], labels: [String],
        calibratedAt: String?
    ) -> Calibration {
        let recalibrated = ThresholdCalibrator.calibrate(
            admitted, labels: labels, targetPrecision: watch.target, confidence: watch.confidence, scope: .decisions)
        var next = calibration
        for (label, tau) in calibration.thresholds {
            next.thresholds[label] = recalibrated.thresholds[label].map { max($0, tau) }
        }
        if next.thresholds == calibration.thresholds {
            for (label, count) in watch.byLabel where (count.precision ?? 1) < watch.target {
                next.thresholds[label] = nil
            }
        }
        for label in labels where next.thresholds[label] != calibration.thresholds[label] {
            next.achievedPrecision?[label] = nil
            next.precisionLowerBound?[label] = nil
        }
        next.overallPrecisionLowerBound = nil
        next.expectedRejectRate = nil
        next.calibratedAt = calibratedAt ?? next.calibratedAt
        return next
    }
}
