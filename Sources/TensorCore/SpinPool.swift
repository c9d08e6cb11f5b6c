// Persistent compute threads that spin briefly between jobs, for `Parallel.forChunks`.

import CKernels
import Dispatch
import Foundation
import Synchronization

/// Workers that stay awake for `spinNanoseconds` after each job, so the many short parallel regions of one forward
/// pass (a batch-1 projection takes about 0.1 ms) start in a few hundred nanoseconds instead of the tens of
/// microseconds a thread wake-up costs through Dispatch. After the spin a worker sleeps on a condition variable.
///
/// One job at a time: `run` returns false (and the caller falls back to Dispatch) when another thread's job holds
/// the pool, which is also what keeps a nested call from a worker from waiting on itself.
final class SpinPool: @unchecked Sendable {
    // @unchecked Sendable: `job` is written by the caller only while it holds `busy`, before the generation it
    // belongs to is published (releasing); workers read it after seeing that generation (acquiring).
    static let spinNanoseconds: UInt64 = 200_000

    private let busy = Atomic<Bool>(false)
    private let generation = Atomic<Int>(0)
    private let remaining = Atomic<Int>(0)
    /// Set by `park` (before an OpenBLAS call, whose own threads want the cores): spinning workers sleep at once.
    private let parked = Atomic<Bool>(false)
    private let lock = NSCondition()
    private var sleepers = 0  // guarded by lock
    private var workers = 0  // threads started (guarded by lock)
    private var job: (body: (Range<Int>) -> Void, count: Int, chunk: Int)?

    static let shared = SpinPool()

    /// Runs `body` on the chunks of `0..<count` (`chunk` rows each) on the caller and the workers; false when the
    /// pool is busy with another caller's job (nothing ran). Every worker acknowledges every job, with a chunk or
    /// without, so no worker can still be reading a job when the next one is written.
    func run(count: Int, chunk: Int, _ body: (Range<Int>) -> Void) -> Bool {
        guard busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            return false
        }
        defer { busy.store(false, ordering: .releasing) }
        let started = ensureWorkers((count + chunk - 1) / chunk - 1)
        withoutActuallyEscaping(body) { body in
            job = (body, count, chunk)
            remaining.store(started, ordering: .relaxed)
            parked.store(false, ordering: .relaxed)
            lock.lock()
            generation.add(1, ordering: .releasing)
            if sleepers > 0 { lock.broadcast() }
            lock.unlock()
            body(0..<min(count, chunk))
            while remaining.load(ordering: .acquiring) > 0 { moecl_cpu_relax() }
            job = nil
        }
        return true
    }

    /// Sends spinning workers to sleep now instead of after their spin (the next job wakes them).
    @inline(__always)
    func park() {
        if !parked.load(ordering: .relaxed) { parked.store(true, ordering: .relaxed) }
    }

    /// Starts workers until there are `wanted`; returns how many there are.
    private func ensureWorkers(_ wanted: Int) -> Int {
        lock.lock()
        defer { lock.unlock() }
        while workers < wanted {
            workers += 1
            let index = workers, seen = generation.load(ordering: .acquiring)
            let thread = Thread { [self] in work(index: index, seen: seen) }
            thread.name = "moecl-compute-\(index)"
            thread.start()
        }
        return workers
    }

    /// Worker `index` (1…) takes chunk `index` of every job that has one, and acknowledges every job.
    private func work(index: Int, seen start: Int) {
        var seen = start
        while true {
            seen = waitForJob(after: seen)
            if let job, index * job.chunk < job.count {
                job.body((index * job.chunk)..<min(job.count, (index + 1) * job.chunk))
            }
            remaining.subtract(1, ordering: .releasing)
        }
    }

    /// Spins, then sleeps, until a generation after `seen` is published; returns it.
    private func waitForJob(after seen: Int) -> Int {
        let deadline = DispatchTime.now().uptimeNanoseconds + Self.spinNanoseconds
        var spins = 0
        while true {
            let current = generation.load(ordering: .acquiring)
            if current != seen { return current }
            moecl_cpu_relax()
            spins += 1
            if spins % 64 == 0, parked.load(ordering: .relaxed) || DispatchTime.now().uptimeNanoseconds > deadline {
                break
            }
        }
        lock.lock()
        sleepers += 1
        while generation.load(ordering: .acquiring) == seen { lock.wait() }
        sleepers -= 1
        lock.unlock()
        return generation.load(ordering: .acquiring)
    }
}
