// Which verdicts train the candidate, which pick its best step, and which are held back to calibrate and judge it.

import TensorCore

/// A deterministic split of a task's verdicts. Held back: a `holdOut` share of the sampled verdicts (the only
/// unbiased sample of traffic), chosen by a hash of the item id, so an item stays on its side from run to run and
/// a later run's comparison never uses what an earlier candidate trained on. Development (best-step selection):
/// an eighth of the rest, by the same hash. Training: everything else, biased review items included (training
/// needs labels, not an unbiased sample).
public struct VerdictSplit: Sendable, Equatable {
    public let train: [LabelledVerdict]
    public let development: [LabelledVerdict]
    public let heldBack: [LabelledVerdict]

    public init(_ verdicts: [LabelledVerdict], holdOut: Double) {
        precondition(holdOut > 0 && holdOut < 1, "hold-out share in (0, 1)")
        var train: [LabelledVerdict] = [], development: [LabelledVerdict] = [], heldBack: [LabelledVerdict] = []
        for v in verdicts {
            let u = Self.uniform(v.id)
            if v.sampled && u < holdOut {
                heldBack.append(v)
            } else if Self.uniform(v.id &+ 0x5EED) < 0.125 {
                development.append(v)
            } else {
                train.append(v)
            }
        }
        self.train = train
        self.development = development
        self.heldBack = heldBack
    }

    /// A number in [0, 1) fixed by `id`.
    static func uniform(_ id: Int64) -> Double {
        var rng = SplitMix64(seed: UInt64(bitPattern: id))
        return Double(rng.next() >> 11) / Double(1 << 53)
    }
}
