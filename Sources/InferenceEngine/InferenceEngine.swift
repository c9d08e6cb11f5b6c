// The single owner of the model: a bounded queue of token sequences, micro-batched across requests and tasks
// by one worker thread, scored on an immutable expert snapshot that hot-loads swap atomically.

import Foundation
import MoELoRA

/// Scores requests on one worker thread. Requests from any thread are queued (bounded), and the worker takes
/// as many as fit in `maxBatchTokens`, waiting up to `maxWaitMicroseconds` after the oldest for more to join.
/// A batch runs on the snapshot current when it starts: `swap` never disturbs a batch in flight.
public final class InferenceEngine: @unchecked Sendable {  // safe: all mutable state is guarded by `condition`
    /// One request: sequences (token ids with special tokens) and the task of each.
    struct Pending {
        let sequences: [[Int32]]
        let tasks: [String]
        let tokens: Int
        let enqueued: DispatchTime
        let completion: @Sendable (Result<ScoredRequest, InferenceEngineError>) -> Void
    }

    public let configuration: InferenceEngineConfiguration
    /// Called by the worker after every batch (metrics); must be cheap.
    let onBatch: (@Sendable (BatchReport) -> Void)?
    private let condition = NSCondition()
    private var queue: [Pending] = []
    private var queuedSequences = 0
    private var current: ExpertSnapshot
    private var stopping = false, running = false, finished = false

    public init(
        snapshot: ExpertSnapshot, configuration: InferenceEngineConfiguration = InferenceEngineConfiguration(),
        onBatch: (@Sendable (BatchReport) -> Void)? = nil
    ) {
        current = snapshot
        self.configuration = configuration
        self.onBatch = onBatch
    }

    /// The snapshot new batches run on.
    public var snapshot: ExpertSnapshot { locked { current } }

    /// Sequences waiting now.
    public var queueDepth: Int { locked { queuedSequences } }

    /// Makes `snapshot` the one every later batch runs on; a batch already running finishes on the old one.
    public func swap(_ snapshot: ExpertSnapshot) { locked { current = snapshot } }

    /// Starts the worker thread (once).
    public func start() {
        let shouldStart = locked { () -> Bool in
            defer { running = true }
            return !running
        }
        guard shouldStart else { return }
        let thread = Thread { [self] in work() }
        thread.name = "moecl.inference"
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// Scores `sequences` (task `tasks[i]` for sequence i); `completion` runs on the worker thread.
    /// - Throws: `InferenceEngineError.overloaded` when the queue cannot take them, `.stopped` after `stop()`.
    public func submit(
        sequences: [[Int32]], tasks: [String],
        completion: @escaping @Sendable (Result<ScoredRequest, InferenceEngineError>) -> Void
    ) throws(InferenceEngineError) {
        precondition(sequences.count == tasks.count, "one task per sequence")
        let pending = Pending(
            sequences: sequences, tasks: tasks, tokens: sequences.reduce(0) { $0 + $1.count },
            enqueued: .now(), completion: completion)
        condition.lock()
        defer { condition.unlock() }
        if stopping { throw .stopped }
        guard queuedSequences + sequences.count <= configuration.maxQueuedSequences else {
            throw .overloaded(queued: queuedSequences, limit: configuration.maxQueuedSequences)
        }
        queue.append(pending)
        queuedSequences += sequences.count
        condition.broadcast()
    }

    /// Lets queued requests finish, then ends the worker; later submissions throw `.stopped`. Blocks until done.
    public func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        while running && !finished { condition.wait() }
        let leftover = queue
        queue = []
        queuedSequences = 0
        condition.unlock()
        for p in leftover { p.completion(.failure(.stopped)) }
    }

    // MARK: Worker

    private func work() {
        while let (batch, snapshot) = nextBatch() {
            run(batch, on: snapshot)
        }
        locked { finished = true }
        condition.broadcast()
    }

    /// Waits for work, gathers a batch, and returns it with the snapshot to run it on; nil when stopping and idle.
    private func nextBatch() -> ([Pending], ExpertSnapshot)? {
        condition.lock()
        defer { condition.unlock() }
        while queue.isEmpty {
            if stopping { return nil }
            condition.wait()
        }
        let deadline = Date().addingTimeInterval(
            Double(configuration.maxWaitMicroseconds) / 1e6
                - Double(DispatchTime.now().uptimeNanoseconds - queue[0].enqueued.uptimeNanoseconds) / 1e9)
        while !stopping && queue.reduce(0, { $0 + $1.tokens }) < configuration.maxBatchTokens && Date() < deadline {
            _ = condition.wait(until: deadline)
        }
        var taken = 0, tokens = 0
        while taken < queue.count && (taken == 0 || tokens + queue[taken].tokens <= configuration.maxBatchTokens) {
            tokens += queue[taken].tokens
            taken += 1
        }
        let batch = Array(queue.prefix(taken))
        queue.removeFirst(taken)
        queuedSequences -= batch.reduce(0) { $0 + $1.sequences.count }
        return (batch, current)
    }

    private func run(_ batch: [Pending], on snapshot: ExpertSnapshot) {
        var ready: [Pending] = []
        for p in batch {
            if let missing = p.tasks.first(where: { snapshot.tasks[$0] == nil }) {
                p.completion(.failure(.unknownTask(missing, known: snapshot.taskNames)))
            } else {
                ready.append(p)
            }
        }
        guard !ready.isEmpty else { return }
        let started = DispatchTime.now()
        let result: Result<[TaskScores], InferenceEngineError>
        do {
            result = .success(
                try snapshot.classify(sequences: ready.flatMap(\.sequences), tasks: ready.flatMap(\.tasks)))
        } catch {
            // Isolate the request the model refused: run each alone so the others still get their scores.
            if ready.count > 1 {
                for p in ready { run([p], on: snapshot) }
                return
            }
            result = .failure(.modelFailure("\(error)"))
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
        onBatch?(
            BatchReport(
                requests: ready.count, sequences: ready.reduce(0) { $0 + $1.sequences.count },
                tokens: ready.reduce(0) { $0 + $1.tokens }, seconds: seconds))
        var offset = 0
        for p in ready {
            let n = p.sequences.count
            p.completion(result.map { ScoredRequest(scores: Array($0[offset..<(offset + n)]), snapshot: snapshot) })
            offset += n
        }
    }

    private func locked<T>(_ body: () -> T) -> T {
        condition.lock()
        defer { condition.unlock() }
        return body()
    }
}
