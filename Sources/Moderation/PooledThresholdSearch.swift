// The threshold search for `PrecisionScope.decisions`: one threshold on the top label's score, the same for every
// label, admitting as many samples as possible while the automatic decisions, all labels pooled, reach the target.

/// Searches the one threshold whose pooled admitted samples pass the target.
///
/// Samples are ranked by their top score, highest first (ties admitted together); admitting the first i of them
/// admits n(i) samples of which k(i) are right (their top label is the true one). The chosen τ is the lowest whose
/// k / n reaches the target and, with a confidence, so does the one-sided Clopper-Pearson lower bound of k of n.
/// That is the pooled counterpart of the per-label search: one parameter, so the held-back samples have one path
/// of choices to flatter, not one per label. Ranking by the top score admits texts in the order of the model's
/// own confidence that its answer is right, which decides the most at a pooled precision when the scores are
/// calibrated. (A joint search over every label's threshold decided more on the samples and kept the target less
/// often on new texts: docs/EVOLUTION.md.)
public enum PooledThresholdSearch {
    /// A candidate threshold: admitting every sample whose top score is ≥ `tau`.
    struct Step {
        let admitted: Int
        let correct: Int
        let tau: Float
        /// Admitted and right per label index.
        let byLabel: [(admitted: Int, correct: Int)]
    }

    /// The lowest passing threshold, nil when none passes.
    static func search(
        _ samples: [ThresholdCalibrator.Sample], labels: Int, targetPrecision: Double, confidence: Double?
    ) -> Step? {
        let ranked = samples.map { (sample: $0, top: TopScore.index($0.scores)) }
            .sorted { $0.sample.scores[$0.top] > $1.sample.scores[$1.top] }
        var byLabel = Array(repeating: (admitted: 0, correct: 0), count: labels)
        var correct = 0, i = 0
        var best: Step?
        while i < ranked.count {
            let score = ranked[i].sample.scores[ranked[i].top]
            while i < ranked.count, ranked[i].sample.scores[ranked[i].top] == score {
                let right = ranked[i].sample.label == ranked[i].top
                byLabel[ranked[i].top].admitted += 1
                if right {
                    correct += 1
                    byLabel[ranked[i].top].correct += 1
                }
                i += 1
            }
            // The bound never exceeds the point estimate, so it is computed only where that passes.
            guard Double(correct) / Double(i) >= targetPrecision else { continue }
            if let confidence,
                PrecisionBound.lower(correct: correct, total: i, confidence: confidence) < targetPrecision
            {
                continue
            }
            best = Step(admitted: i, correct: correct, tau: score, byLabel: byLabel)
        }
        return best
    }
}
