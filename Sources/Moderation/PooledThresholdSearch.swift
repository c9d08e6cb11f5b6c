// The threshold search for `PrecisionScope.decisions`: thresholds of all labels chosen together so that the
// automatic decisions, all labels pooled, reach the target precision, deciding as many samples as possible.

/// Searches per-label thresholds whose pooled admitted samples pass the target.
///
/// Each label c has its candidate thresholds: the distinct scores of the samples whose top label is c, highest
/// first; admitting the first j of them admits n_c(j) samples of which k_c(j) are right (j = 0: none, no
/// threshold). A choice (j_c) passes when the pooled k / n reaches the target and, with a confidence, so does the
/// one-sided Clopper-Pearson lower bound of k out of n. Since that bound falls as n grows at fixed k, the passing
/// choices are those with k ≥ kMin(n), the least k that passes at n, which is non-decreasing in n and is
/// tabulated once, so each choice is tested by one comparison. Two labels: every pair is scanned (pruned by the
/// best n so far), an exact maximum. More labels: coordinate ascent from admitting nothing (each label in turn
/// moved to its best threshold given the others, until none moves), a local maximum.
public enum PooledThresholdSearch {
    /// One candidate threshold of a label: admitting every sample with score ≥ `tau`.
    struct Step: Equatable {
        let admitted: Int
        let correct: Int
        let tau: Float
    }

    /// Index into each label's steps (0: no threshold; step i − 1 otherwise).
    static func search(
        _ samples: [ThresholdCalibrator.Sample], labels: Int, targetPrecision: Double, confidence: Double?
    ) -> [Int] {
        let steps = (0..<labels).map { Self.steps(samples, label: $0) }
        let kMin = Self.kMin(upTo: samples.count, target: targetPrecision, confidence: confidence)
        func admitted(_ c: Int, _ i: Int) -> Int { i == 0 ? 0 : steps[c][i - 1].admitted }
        func correct(_ c: Int, _ i: Int) -> Int { i == 0 ? 0 : steps[c][i - 1].correct }
        func passes(_ n: Int, _ k: Int) -> Bool { n == 0 || (kMin[n].map { k >= $0 } ?? false) }
        if labels == 2 {
            var best = (n: 0, k: 0, choice: [0, 0])
            for i in 0...steps[0].count {
                let n0 = admitted(0, i), k0 = correct(0, i)
                var j = steps[1].count
                while j >= 0, n0 + admitted(1, j) >= best.n {
                    let n = n0 + admitted(1, j), k = k0 + correct(1, j)
                    if passes(n, k), n > best.n || k > best.k { best = (n, k, [i, j]) }
                    j -= 1
                }
            }
            return best.choice
        }
        var choice = Array(repeating: 0, count: labels)
        for _ in 0..<(4 * labels) {
            var moved = false
            for c in 0..<labels {
                let n0 = (0..<labels).reduce(0) { $0 + ($1 == c ? 0 : admitted($1, choice[$1])) }
                let k0 = (0..<labels).reduce(0) { $0 + ($1 == c ? 0 : correct($1, choice[$1])) }
                var bestI = choice[c]
                for i in 0...steps[c].count where passes(n0 + admitted(c, i), k0 + correct(c, i)) {
                    let n = admitted(c, i), bestN = admitted(c, bestI)
                    if n > bestN || (n == bestN && correct(c, i) > correct(c, bestI)) { bestI = i }
                }
                if bestI != choice[c] {
                    choice[c] = bestI
                    moved = true
                }
            }
            if !moved { break }
        }
        return choice
    }

    /// The candidate thresholds of `label`, highest first, ties admitted together.
    static func steps(_ samples: [ThresholdCalibrator.Sample], label c: Int) -> [Step] {
        let mine = samples.filter { TopScore.index($0.scores) == c }.map { ($0.scores[c], $0.label == c) }
            .sorted { $0.0 > $1.0 }
        var steps: [Step] = []
        var correct = 0, i = 0
        while i < mine.count {
            let score = mine[i].0
            while i < mine.count, mine[i].0 == score {
                if mine[i].1 { correct += 1 }
                i += 1
            }
            steps.append(Step(admitted: i, correct: correct, tau: score))
        }
        return steps
    }

    /// kMin[n]: the least k of n right decisions that passes (point estimate and, with a confidence, the lower
    /// bound at least the target), nil when none does; kMin[0] = 0.
    public static func kMin(upTo total: Int, target: Double, confidence: Double?) -> [Int?] {
        var table: [Int?] = [0]
        var k = 0
        for n in 1...max(1, total) {
            k = max(k, 1)
            func passes(_ k: Int) -> Bool {
                guard Double(k) / Double(n) >= target else { return false }
                return confidence.map { PrecisionBound.lower(correct: k, total: n, confidence: $0) >= target } ?? true
            }
            while k <= n, !passes(k) { k += 1 }
            if k <= n {
                table.append(k)
            } else {
                table.append(nil)
                k = n  // the next n starts its search here: kMin never falls
            }
        }
        return table
    }
}
