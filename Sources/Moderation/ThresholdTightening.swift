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
public enum ThresholdTightening {
    public static func tightened(
        _ calibration: Calibration, watch: PrecisionWatch, samples: [ThresholdCalibrator.Sample], labels: [String],
        calibratedAt: String? = nil
    ) -> Calibration {
        let rule = DecisionRule(labels: labels, compliantLabel: nil, calibration: calibration)
        let admitted = samples.filter { rule.decide($0.scores).isAutomatic }
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
}
