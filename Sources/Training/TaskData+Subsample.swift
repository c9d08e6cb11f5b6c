// A reproducible subsample of a task's splits, for runs that must fit a small machine's time budget.

import TensorCore

extension TaskData {
    /// At most `train` training texts and `evaluation` texts of each of dev and test, drawn without replacement
    /// by a seeded shuffle (the same seed and data always give the same subsample), kept in file order. nil keeps
    /// a split whole.
    public func subsampled(train: Int?, evaluation: Int?, seed: UInt64) -> TaskData {
        func pick(_ texts: [LabelledText], _ limit: Int?, _ salt: UInt64) -> [LabelledText] {
            guard let limit, limit < texts.count else { return texts }
            var rng = SplitMix64(seed: seed &+ salt)
            let chosen = Array(texts.indices).shuffled(using: &rng).prefix(limit).sorted()
            return chosen.map { texts[$0] }
        }
        return TaskData(
            name: name, labels: labels, train: pick(self.train, train, 1), dev: pick(dev, evaluation, 2),
            test: pick(test, evaluation, 3))
    }
}
