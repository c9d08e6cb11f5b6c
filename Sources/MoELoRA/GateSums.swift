// Per-token sums of the shared expert's gate weight over the layers of one forward (for monitoring).

/// A zeroed buffer of one Float per token row, filled by the MoE feed-forward kernel.
final class GateSums {
    let pointer: UnsafeMutablePointer<Float>
    let count: Int

    init(rows: Int) {
        count = rows
        pointer = .allocate(capacity: max(rows, 1))
        pointer.initialize(repeating: 0, count: max(rows, 1))
    }

    deinit { pointer.deallocate() }

    /// The mean over `rows` of the per-row sums divided by `layers`: the average shared-expert weight.
    func mean(rows: Range<Int>, layers: Int) -> Float {
        guard !rows.isEmpty, layers > 0 else { return 0 }
        var total: Float = 0
        for r in rows { total += pointer[r] }
        return total / Float(rows.count * layers)
    }
}
