// The engine on a tiny random MoE: same scores as the snapshot, batching across requests and tasks, the queue
// bound, hot swaps, unknown tasks and stopping.

import Foundation
import InferenceEngine
import MoELoRA
import TestSupport
import Testing

@Suite("InferenceEngine")
struct InferenceEngineTests {
    /// Waits for a result delivered on the worker thread.
    final class Box<T>: @unchecked Sendable {  // safe: guarded by `semaphore` hand-off
        var value: T?
        let semaphore = DispatchSemaphore(value: 0)
        func set(_ v: T) { value = v; semaphore.signal() }
        func wait() -> T? { semaphore.wait(timeout: .now() + 10) == .success ? value : nil }
    }

    static func sequences(_ count: Int, seed: Int) -> [[Int32]] {
        (0..<count).map { i in [2] + (0..<(3 + (i + seed) % 5)).map { Int32(5 + ($0 * 7 + i * 3 + seed) % 30) } + [3] }
    }

    @Test func batchesAcrossRequestsAndTasksWithTheSnapshotsScores() throws {
        let tiny = try TinyMoE()
        defer { tiny.remove() }
        let snapshot = try tiny.snapshot()
        let names = snapshot.taskNames
        let reports = Box<Int>()
        let batches = LockedCounter()
        var configuration = InferenceEngineConfiguration()
        configuration.maxWaitMicroseconds = 200_000
        let engine = InferenceEngine(snapshot: snapshot, configuration: configuration) { report in
            batches.add(report.requests)
            if batches.total == 6 { reports.set(batches.batches) }
        }
        // Six requests queued before the worker starts: one batch takes them all.
        var boxes: [(Box<Result<ScoredRequest, InferenceEngineError>>, [[Int32]], [String])] = []
        for r in 0..<6 {
            let seqs = Self.sequences(1 + r % 3, seed: r)
            let tasks = seqs.indices.map { names[($0 + r) % names.count] }
            let box = Box<Result<ScoredRequest, InferenceEngineError>>()
            try engine.submit(sequences: seqs, tasks: tasks) { box.set($0) }
            boxes.append((box, seqs, tasks))
        }
        engine.start()
        for (box, seqs, tasks) in boxes {
            let scores = try #require(try box.wait()?.get().scores)
            let direct = try snapshot.classify(sequences: seqs, tasks: tasks)
            #expect(scores.map(\.task) == tasks)
            for (a, b) in zip(scores, direct) {
                for (x, y) in zip(a.scores, b.scores) { #expect(abs(x - y) < 1e-5) }
            }
        }
        #expect(reports.wait() == 1)
        engine.stop()
    }

    /// Issue 15, finding 9: one heavy request held all inference. Now it is scored in chunks of at most
    /// `maxBatchTokens`, requeued after each, so a small request queued behind it finishes first.
    @Test func aLargeRequestIsScoredInChunksAndDoesNotHoldUpSmallOnes() throws {
        let tiny = try TinyMoE()
        defer { tiny.remove() }
        let snapshot = try tiny.snapshot()
        let names = snapshot.taskNames
        var configuration = InferenceEngineConfiguration()
        configuration.maxBatchTokens = 64
        let order = Locked<[String]>([])
        let batchTokens = Locked<[Int]>([])
        let engine = InferenceEngine(snapshot: snapshot, configuration: configuration) { report in
            batchTokens.withLock { $0.append(report.tokens) }
        }
        let large = Self.sequences(60, seed: 1), largeTasks = large.indices.map { names[$0 % names.count] }
        let small = Self.sequences(2, seed: 9), smallTasks = [names[0], names[1]]
        let largeBox = Box<Result<ScoredRequest, InferenceEngineError>>()
        let smallBox = Box<Result<ScoredRequest, InferenceEngineError>>()
        try engine.submit(sequences: large, tasks: largeTasks) { r in
            order.withLock { $0.append("large") }
            largeBox.set(r)
        }
        try engine.submit(sequences: small, tasks: smallTasks) { r in
            order.withLock { $0.append("small") }
            smallBox.set(r)
        }
        engine.start()
        let largeScores = try #require(try largeBox.wait()?.get().scores)
        _ = try #require(try smallBox.wait()?.get())
        #expect(order.withLock { $0 } == ["small", "large"])
        // Chunks stay within the budget (a lone sequence larger than it would run alone), and the scores are the
        // ones the snapshot gives in one go, in order.
        let tokens = batchTokens.withLock { $0 }
        #expect(tokens.count >= 4 && tokens.allSatisfy { $0 <= 64 }, "\(tokens)")
        #expect(tokens.reduce(0, +) == (large + small).reduce(0) { $0 + $1.count })
        let direct = try snapshot.classify(sequences: large, tasks: largeTasks)
        #expect(largeScores.map(\.task) == largeTasks)
        for (a, b) in zip(largeScores, direct) {
            for (x, y) in zip(a.scores, b.scores) { #expect(abs(x - y) < 1e-5) }
        }
        #expect(engine.queueDepth == 0)
        engine.stop()
    }

    @Test func refusesBeyondTheQueueBoundAndAfterStop() throws {
        let tiny = try TinyMoE()
        defer { tiny.remove() }
        var configuration = InferenceEngineConfiguration()
        configuration.maxQueuedSequences = 4
        let engine = InferenceEngine(snapshot: try tiny.snapshot(), configuration: configuration)
        let task = try tiny.snapshot().taskNames[0]
        let first = Box<Result<ScoredRequest, InferenceEngineError>>()
        try engine.submit(sequences: Self.sequences(3, seed: 1), tasks: [task, task, task]) { first.set($0) }
        #expect(throws: InferenceEngineError.overloaded(queued: 3, limit: 4)) {
            try engine.submit(sequences: Self.sequences(2, seed: 2), tasks: [task, task]) { _ in }
        }
        engine.start()
        #expect(try first.wait()?.get().scores.count == 3)
        engine.stop()
        #expect(throws: InferenceEngineError.stopped) {
            try engine.submit(sequences: Self.sequences(1, seed: 3), tasks: [task]) { _ in }
        }
    }

    @Test func swapsSnapshotsAndReportsTasksThatAreGone() throws {
        let tiny = try TinyMoE()
        defer { tiny.remove() }
        let full = try tiny.snapshot()
        let gone = full.taskNames[0], kept = full.taskNames[1]
        let engine = InferenceEngine(snapshot: full)
        engine.start()
        defer { engine.stop() }
        let before = Box<Result<ScoredRequest, InferenceEngineError>>()
        try engine.submit(sequences: Self.sequences(1, seed: 4), tasks: [gone]) { before.set($0) }
        #expect(try before.wait()?.get().scores.first?.task == gone)
        engine.swap(try full.removing(gone))
        let after = Box<Result<ScoredRequest, InferenceEngineError>>()
        try engine.submit(sequences: Self.sequences(2, seed: 5), tasks: [kept, gone]) { after.set($0) }
        guard case .failure(.unknownTask(let task, let known))? = after.wait() else {
            Issue.record("expected unknownTask")
            return
        }
        #expect(task == gone && !known.contains(gone))
        let still = Box<Result<ScoredRequest, InferenceEngineError>>()
        try engine.submit(sequences: Self.sequences(1, seed: 6), tasks: [kept]) { still.set($0) }
        #expect(try still.wait()?.get().scores.first?.task == kept)
    }
}

/// Counts batches and requests reported by the worker.
final class LockedCounter: @unchecked Sendable {  // safe: guarded by `lock`
    private let lock = NSLock()
    private var requests = 0, count = 0
    func add(_ n: Int) {
        lock.withLock {
            requests += n; count += 1
        }
    }
    var total: Int { lock.withLock { requests } }
    var batches: Int { lock.withLock { count } }
}

/// A value behind a lock, for callbacks on the worker thread.
final class Locked<T>: @unchecked Sendable {  // safe: `value` is only touched under `lock`
    private let lock = NSLock()
    private var value: T
    init(_ value: T) { self.value = value }
    func withLock<R>(_ body: (inout T) -> R) -> R { lock.withLock { body(&value) } }
}
