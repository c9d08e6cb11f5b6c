// One-sided confidence bounds for a precision estimated from k correct decisions out of n (Clopper-Pearson).

import Foundation

/// The exact (Clopper-Pearson) one-sided lower confidence bound of a binomial proportion.
///
/// For k correct out of n independent decisions, the lower bound L at confidence 1 − α is the p for which
/// P(Binomial(n, p) ≥ k) = α, that is the α quantile of Beta(k, n − k + 1); L = 0 when k = 0. Its coverage is at
/// least 1 − α for every true p (it is conservative). It assumes the n decisions are a random sample of the
/// decisions whose precision it bounds: true for an audit share drawn at random, not for review items, which are
/// the uncertain ones.
public enum PrecisionBound {
    /// The lower bound of the proportion `correct / total` at `confidence` (in (0, 1)).
    public static func lower(correct: Int, total: Int, confidence: Double = 0.95) -> Double {
        precondition(total >= 0 && correct >= 0 && correct <= total, "0 ≤ correct ≤ total")
        precondition(confidence > 0 && confidence < 1, "confidence in (0, 1)")
        guard correct > 0 else { return 0 }
        let alpha = 1 - confidence
        if correct == total { return pow(alpha, 1 / Double(total)) }  // closed form: p^n = α
        return betaQuantile(alpha, a: Double(correct), b: Double(total - correct + 1))
    }

    /// The upper bound of the proportion `correct / total` at `confidence` (1 when all are correct).
    public static func upper(correct: Int, total: Int, confidence: Double = 0.95) -> Double {
        1 - lower(correct: total - correct, total: total, confidence: confidence)
    }

    /// The x with I_x(a, b) = q, by bisection on the regularised incomplete beta function (monotone in x).
    static func betaQuantile(_ q: Double, a: Double, b: Double) -> Double {
        var lo = 0.0, hi = 1.0
        for _ in 0..<100 {
            let mid = (lo + hi) / 2
            if regularizedIncompleteBeta(mid, a: a, b: b) < q { lo = mid } else { hi = mid }
            if hi - lo < 1e-13 { break }
        }
        return (lo + hi) / 2
    }

    /// I_x(a, b), by its continued fraction (modified Lentz), on the side where it converges fast.
    static func regularizedIncompleteBeta(_ x: Double, a: Double, b: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let logFront = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x)
        if x < (a + 1) / (a + b + 2) {
            return exp(logFront) * continuedFraction(x, a: a, b: b) / a
        }
        return 1 - exp(logFront) * continuedFraction(1 - x, a: b, b: a) / b
    }

    /// The continued fraction of I_x(a, b): 1 / (1 + d1 / (1 + d2 / (1 + …))).
    private static func continuedFraction(_ x: Double, a: Double, b: Double) -> Double {
        let tiny = 1e-300
        var c = 1.0
        var d = 1 - (a + b) * x / (a + 1)
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var result = d
        for m in 1...10_000 {
            let m = Double(m)
            // Even step: d_2m = m (b − m) x / ((a + 2m − 1)(a + 2m)).
            var term = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
            d = 1 + term * d
            if abs(d) < tiny { d = tiny }
            c = 1 + term / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            result *= d * c
            // Odd step: d_2m+1 = −(a + m)(a + b + m) x / ((a + 2m)(a + 2m + 1)).
            term = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
            d = 1 + term * d
            if abs(d) < tiny { d = tiny }
            c = 1 + term / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            result *= delta
            if abs(delta - 1) < 1e-15 { break }
        }
        return result
    }
}
