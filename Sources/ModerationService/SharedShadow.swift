// A shared-mode candidate in its shadow phase: its own shared expert would change every task's scores in a batch,
// so it scores its task's live texts off the answer path, in a second forward on a low-priority queue.

import Foundation
import HTTPCore
import MoELoRA

/// The candidate snapshot of one shared-mode run (the base, the candidate's shared expert and gates, and the
/// candidate task expert), scoring what it is offered in arrival order on a utility-priority queue. At most
/// `maxPending` sequences wait; an offer that would exceed it is refused whole (and counted by the caller), so a
/// burst of traffic never builds a backlog in memory or delays answers: they were computed before any offer.
final class SharedShadow: Sendable {
    let run: Int64
    let task: String
    let snapshot: ExpertSnapshot
    let maxPending: Int
    private let pending = LockedBox(0)
    private let queue = DispatchQueue(label: "moecl.shared-shadow", qos: .utility)

    init(run: Int64, task: String, snapshot: ExpertSnapshot, maxPending: Int) {
        self.maxPending = maxPending
        self.run = run
        self.task = task
        self.snapshot = snapshot
    }

    /// Scores `sequences` (token ids of this task's texts) under the candidate and hands the scores to `done`, on
    /// the shadow's queue; false (nothing scheduled) when that would exceed `maxPending`. A forward that fails
    /// hands nothing on.
    func offer(_ sequences: [[Int32]], done: @escaping @Sendable ([TaskScores]) -> Void) -> Bool {
        let accepted = pending.withLock { count in
            guard count + sequences.count <= maxPending else { return false }
            count += sequences.count
            return true
        }
        guard accepted else { return false }
        queue.async { [self] in
            defer { pending.withLock { $0 -= sequences.count } }
            let tasks = Array(repeating: task, count: sequences.count)
            guard let scores = try? snapshot.classify(sequences: sequences, tasks: tasks) else { return }
            done(scores)
        }
        return true
    }
}
