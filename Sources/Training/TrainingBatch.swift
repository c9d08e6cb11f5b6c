// A batch for one training step: packed sequences with the task slot of each and, for some, a class label.

import Transformer

/// Sequences of one step. Each sequence runs through its own task's expert; sequences with a label contribute the
/// task loss, every sequence (labelled or not) contributes the discriminator loss with its task index as class.
///
/// Sequences of the same task must be contiguous (the FFN runs each task's rank-R products on its row range).
public struct TrainingBatch: Sendable {
    public let packed: PackedBatch
    /// Per sequence: index into `ContinualModel.tasks`.
    public let tasks: [Int]
    /// Per sequence: the class index for the task loss, or nil (discriminator only).
    public let labels: [Int?]

    public init(sequences: [[Int32]], tasks: [Int], labels: [Int?]) {
        precondition(sequences.count == tasks.count && tasks.count == labels.count, "one task and label per sequence")
        precondition(!sequences.isEmpty, "a batch needs at least one sequence")
        let packed = PackedBatch(sequences: sequences)
        self.packed = packed
        self.tasks = tasks
        self.labels = labels
        var result: [(task: Int, sequences: Range<Int>, rows: Range<Int>)] = []
        var start = 0
        for s in 1...tasks.count where s == tasks.count || tasks[s] != tasks[start] {
            result.append((tasks[start], start..<s, packed.offsets[start]..<packed.offsets[s]))
            start = s
        }
        segments = result
        precondition(segments.count == Set(tasks).count, "sequences of the same task must be contiguous")
    }

    /// Row ranges of consecutive sequences of one task: (task, first sequence..<end sequence, rows).
    public let segments: [(task: Int, sequences: Range<Int>, rows: Range<Int>)]
}
