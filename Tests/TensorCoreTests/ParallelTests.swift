// Parallel.forChunks on the spinning pool: every row exactly once, from concurrent and nested callers.

import Dispatch
import Synchronization
import TensorCore
import Testing

@Suite("Parallel")
struct ParallelTests {
    /// Counts how often each row ran.
    final class Tally: Sendable {
        let counts: Mutex<[Int]>
        init(_ n: Int) { counts = Mutex([Int](repeating: 0, count: n)) }
        func mark(_ range: Range<Int>) { counts.withLock { for i in range { $0[i] += 1 } } }
        var all: [Int] { counts.withLock { $0 } }
    }

    @Test("every row runs once per job, whatever the row count and thread count", arguments: [1, 2, 3, 4, 7])
    func coverage(threads: Int) {
        for count in [1, 2, 3, 5, 8, 13, 64, 1000] {
            let tally = Tally(count)
            for _ in 0..<50 { Parallel.forChunks(count, cost: 1 << 20, threads: threads) { tally.mark($0) } }
            #expect(tally.all == [Int](repeating: 50, count: count), "count \(count), threads \(threads)")
        }
    }

    @Test("concurrent callers and nested calls each cover their rows once (one holds the pool, the rest fall back)")
    func concurrentAndNested() {
        let callers = 4, count = 37
        let tallies = (0..<callers).map { _ in Tally(count * count) }
        DispatchQueue.concurrentPerform(iterations: callers) { c in
            for _ in 0..<20 {
                Parallel.forChunks(count, cost: 1 << 20, threads: 3) { outer in
                    for i in outer {
                        Parallel.forChunks(count, cost: 1 << 20, threads: 2) { inner in
                            tallies[c].mark((i * count + inner.lowerBound)..<(i * count + inner.upperBound))
                        }
                    }
                }
            }
        }
        for tally in tallies { #expect(tally.all == [Int](repeating: 20, count: count * count)) }
    }
}
