// Continual-learning summary metrics (ACC, BWT, FWT, forgetting) from the accuracy matrix R.

/// Summary metrics of a continual-learning run, computed from its accuracy matrix `R`.
///
/// `r[i][j]` is the test accuracy on task `j` after training stage `i` (both 0-based, tasks in
/// training order), known for `j ≤ i`. Rows may be shorter than `T` or hold nil beyond `i`;
/// `T` is the number of rows. An entry that is missing (nil or beyond the end of its row) makes
/// the terms that need it drop out of a mean rather than poisoning it.
public enum ContinualMetrics {
    /// Average accuracy after the last stage: the mean of the non-nil entries of `R[T−1]`;
    /// 0 when there are no rows or the last row holds no value.
    public static func acc(_ r: [[Double?]]) -> Double {
        guard let last = r.last else { return 0 }
        let values = last.compactMap { $0 }
        return mean(values) ?? 0
    }

    /// Backward transfer: the mean over tasks `i < T−1` of `R[T−1][i] − R[i][i]`
    /// (negative when later training made earlier tasks worse). Nil when `T < 2` or no term is known.
    public static func bwt(_ r: [[Double?]]) -> Double? {
        guard r.count >= 2 else { return nil }
        return mean(forgetting(r).compactMap { $0 })
    }

    /// Forward transfer: the mean over stages `i ≥ 1` of `R[i][i] − single[i]`, where `single[i]` is
    /// the accuracy of task `i` trained alone from the base model. Nil when `T < 2` or no term is known
    /// (a stage without a `single` entry is skipped).
    public static func fwt(_ r: [[Double?]], single: [Double]) -> Double? {
        guard r.count >= 2 else { return nil }
        var terms: [Double] = []
        for i in 1..<r.count where i < single.count {
            if let diagonal = entry(r, i, i) { terms.append(diagonal - single[i]) }
        }
        return mean(terms)
    }

    /// Per task `j < T`: `R[T−1][j] − R[j][j]`, the change in accuracy on task `j` from just after
    /// learning it to the end (negative means forgotten). Nil for the last task and wherever an entry
    /// is missing.
    public static func forgetting(_ r: [[Double?]]) -> [Double?] {
        let stages = r.count
        return (0..<stages).map { j -> Double? in
            guard j < stages - 1, let final = entry(r, stages - 1, j), let learned = entry(r, j, j) else {
                return nil
            }
            return final - learned
        }
    }

    /// `r[i][j]`, or nil when the row is too short or holds nil there.
    static func entry(_ r: [[Double?]], _ i: Int, _ j: Int) -> Double? {
        guard i < r.count, j < r[i].count else { return nil }
        return r[i][j]
    }

    static func mean(_ values: [Double]) -> Double? {
        values.isEmpty ? nil : values.reduce(0, +) / Double(values.count)
    }
}
