// A Prometheus histogram with fixed buckets.

import HTTPCore

/// Cumulative bucket counts, sum and count of observed values; thread-safe.
final class Histogram: Sendable {
    let buckets: [Double]
    private let state: LockedBox<(counts: [Int], sum: Double, count: Int)>

    init(buckets: [Double]) {
        self.buckets = buckets
        state = LockedBox((Array(repeating: 0, count: buckets.count), 0, 0))
    }

    func observe(_ value: Double) {
        state.withLock { s in
            if let i = buckets.firstIndex(where: { value <= $0 }) { s.counts[i] += 1 }
            s.sum += value
            s.count += 1
        }
    }

    /// The exposition lines of this histogram for `name` with fixed `labels` (already formatted, may be empty).
    func lines(_ name: String, labels: String) -> [String] {
        let (counts, sum, count) = state.withLock { ($0.counts, $0.sum, $0.count) }
        let prefix = labels.isEmpty ? "" : labels + ","
        var cumulative = 0
        var out: [String] = []
        for (bound, n) in zip(buckets, counts) {
            cumulative += n
            out.append("\(name)_bucket{\(prefix)le=\"\(PrometheusText.number(bound))\"} \(cumulative)")
        }
        out.append("\(name)_bucket{\(prefix)le=\"+Inf\"} \(count)")
        let braces = labels.isEmpty ? "" : "{\(labels)}"
        out.append("\(name)_sum\(braces) \(PrometheusText.number(sum))")
        out.append("\(name)_count\(braces) \(count)")
        return out
    }

    static let seconds: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
    static let sizes: [Double] = [1, 2, 4, 8, 16, 32, 64, 128, 256]
}
