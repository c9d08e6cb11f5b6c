// The random draws that pick sampled and audited texts: the system's generator, or a seeded one so that a run of
// the same traffic in the same order samples the same texts (`--sample-seed`, for simulations that must repeat).

import HTTPCore
import TensorCore

/// Uniform draws in [0, 1), safe to use from every connection at once.
final class TrafficSampler: Sendable {
    private let seeded: LockedBox<SplitMix64>?

    /// `seed` nil: the system's generator (unpredictable, the default in production).
    init(seed: UInt64?) {
        seeded = seed.map { LockedBox(SplitMix64(seed: $0)) }
    }

    func uniform() -> Double {
        guard let seeded else { return Double.random(in: 0..<1) }
        return seeded.withLock { Double($0.next() >> 11) / Double(1 << 53) }
    }
}
