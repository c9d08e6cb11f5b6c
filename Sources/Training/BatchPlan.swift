// Deterministic batching: the order of an epoch and the replayed texts of a step are pure functions of the seed.

import TensorCore

/// Shuffles and samples from `SplitMix64` streams keyed by (seed, task, epoch, step), so a resumed run draws
/// exactly what an uninterrupted one would.
public enum BatchPlan {
    /// A permutation of 0..<count for `epoch` of task `task`.
    public static func epochOrder(count: Int, seed: UInt64, task: Int, epoch: Int) -> [Int] {
        var rng = SplitMix64(
            seed: seed ^ (UInt64(task) &* 0x9E37_79B9) ^ (UInt64(epoch) &* 0x85EB_CA6B) ^ 0xE7037ED1A0B428DB)
        var order = Array(0..<count)
        for i in stride(from: count - 1, to: 0, by: -1) {
            order.swapAt(i, Int(rng.next() % UInt64(i + 1)))
        }
        return order
    }

    /// `count` (task, example index) pairs drawn uniformly over earlier tasks, then over their examples; sorted by task
    /// so each task's rows are contiguous.
    public static func replay(count: Int, sizes: [(task: Int, size: Int)], seed: UInt64, task: Int, step: Int)
        -> [(task: Int, index: Int)]
    {
        let pool = sizes.filter { $0.size > 0 }
        guard count > 0, !pool.isEmpty else { return [] }
        var rng = SplitMix64(
            seed: seed ^ (UInt64(task) &* 0xC2B2_AE35) ^ (UInt64(step) &* 0x27D4_EB2F) ^ 0x165667B19E3779F9)
        let picks = (0..<count).map { _ -> (task: Int, index: Int) in
            let source = pool[Int(rng.next() % UInt64(pool.count))]
            return (source.task, Int(rng.next() % UInt64(source.size)))
        }
        return picks.sorted { ($0.task, $0.index) < ($1.task, $1.index) }
    }
}
