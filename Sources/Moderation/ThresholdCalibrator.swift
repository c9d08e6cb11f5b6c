// Threshold search of moe-cl.md §4: per label, the lowest τ that keeps precision ≥ target, maximising the share
// decided automatically.

/// Calibrates per-label thresholds on labelled, scored samples.
///
/// Only a sample whose top label is c can be auto-labelled c (the `DecisionRule`), so each label is searched over
/// its own samples: sorted by score_c descending, every distinct score is a candidate τ; the chosen τ is the one
/// admitting the most samples while precision (share whose true label is c) stays ≥ the target. Precision is not
/// monotone in τ, so every candidate is scanned (one sort, O(N log N)). A label with no admissible τ gets none
/// and is never decided automatically.
///
/// With a `confidence`, a τ is admissible only when the one-sided Clopper-Pearson lower bound of its precision
/// (`PrecisionBound`) reaches the target, not the point estimate: the thresholds then keep their promise on new
/// data from the same distribution with that confidence (per label, per calibration), at the cost of deciding
/// fewer texts, and none at all from too few samples.
///
/// With `scope` `.decisions`, the target applies to all automatic decisions together (`PooledThresholdSearch`):
/// one τ on the top label's score for every label, the lowest whose pooled precision (and bound) reaches it.
public enum ThresholdCalibrator {
    /// A labelled sample: scores per label (in `labels` order) and the true label's index.
    public struct Sample: Sendable, Equatable {
        public let scores: [Float]
        public let label: Int
        public init(scores: [Float], label: Int) {
            self.scores = scores
            self.label = label
        }
    }

    /// Thresholds for `labels` at `targetPrecision`, with the expected reject rate and achieved precision.
    public static func calibrate(
        _ samples: [Sample], labels: [String], targetPrecision: Double, confidence: Double? = nil,
        scope: PrecisionScope = .label, calibratedAt: String? = nil
    ) -> Calibration {
        precondition(targetPrecision > 0 && targetPrecision <= 1, "target precision in (0, 1]")
        precondition(confidence.map { $0 > 0 && $0 < 1 } ?? true, "confidence in (0, 1)")
        if scope == .decisions {
            return pooled(
                samples, labels: labels, targetPrecision: targetPrecision, confidence: confidence,
                calibratedAt: calibratedAt)
        }
        var thresholds: [String: Double] = [:]
        var achieved: [String: Double] = [:], bounds: [String: Double] = [:]
        var decided = 0
        for c in labels.indices {
            // (score_c, correct) of the samples whose top label is c, highest score first.
            let mine = samples.filter { top($0.scores) == c }.map { ($0.scores[c], $0.label == c) }
                .sorted { $0.0 > $1.0 }
            var correct = 0, best: (count: Int, tau: Float, precision: Double, bound: Double)?
            var i = 0
            while i < mine.count {
                // Admit every sample with this exact score at once (a threshold cannot split ties).
                let score = mine[i].0
                while i < mine.count, mine[i].0 == score {
                    if mine[i].1 { correct += 1 }
                    i += 1
                }
                let precision = Double(correct) / Double(i)
                // The bound never exceeds the point estimate, so it is computed only where that passes.
                guard precision >= targetPrecision else { continue }
                if let confidence {
                    let bound = PrecisionBound.lower(correct: correct, total: i, confidence: confidence)
                    if bound >= targetPrecision { best = (i, score, precision, bound) }
                } else {
                    best = (i, score, precision, precision)
                }
            }
            if let best {
                thresholds[labels[c]] = Double(best.tau)
                achieved[labels[c]] = best.precision
                bounds[labels[c]] = best.bound
                decided += best.count
            }
        }
        let rate = samples.isEmpty ? 0 : Double(decided) / Double(samples.count)
        return Calibration(
            targetPrecision: targetPrecision, thresholds: thresholds, expectedRejectRate: rate,
            achievedPrecision: achieved, confidence: confidence, precisionLowerBound: confidence == nil ? nil : bounds,
            samples: samples.count, calibratedAt: calibratedAt)
    }

    /// The `.decisions` calibration: one τ for every label that the passing threshold decides, per-label figures
    /// of what it admits, and the pooled bound.
    static func pooled(
        _ samples: [Sample], labels: [String], targetPrecision: Double, confidence: Double?, calibratedAt: String?
    ) -> Calibration {
        let choice = PooledThresholdSearch.search(
            samples, labels: labels.count, targetPrecision: targetPrecision, confidence: confidence)
        var thresholds: [String: Double] = [:]
        var achieved: [String: Double] = [:], bounds: [String: Double] = [:]
        if let choice {
            for c in labels.indices where choice.byLabel[c].admitted > 0 {
                let (n, k) = choice.byLabel[c]
                thresholds[labels[c]] = Double(choice.tau)
                achieved[labels[c]] = Double(k) / Double(n)
                if let confidence {
                    bounds[labels[c]] = PrecisionBound.lower(correct: k, total: n, confidence: confidence)
                }
            }
        }
        let decided = choice?.admitted ?? 0
        var calibration = Calibration(
            targetPrecision: targetPrecision, thresholds: thresholds,
            expectedRejectRate: samples.isEmpty ? 0 : Double(decided) / Double(samples.count),
            achievedPrecision: achieved, confidence: confidence, precisionLowerBound: confidence == nil ? nil : bounds,
            samples: samples.count, calibratedAt: calibratedAt)
        calibration.scope = .decisions
        if let confidence, let choice {
            calibration.overallPrecisionLowerBound = PrecisionBound.lower(
                correct: choice.correct, total: choice.admitted, confidence: confidence)
        }
        return calibration
    }

    /// Index of the highest score (the first on ties), as `DecisionRule` picks it.
    static func top(_ scores: [Float]) -> Int {
        var best = 0
        for i in scores.indices where scores[i] > scores[best] { best = i }
        return best
    }
}
