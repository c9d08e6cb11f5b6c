// The single owner of the model: a bounded queue of token sequences, micro-batched across requests and tasks
// by one worker thread, scored on an immutable expert snapshot that hot-loads swap atomically.

import Foundation
import MoELoRA

/// Scores requests on one worker thread. Requests from any thread are queued (bounded), and the worker takes
/// as many as fit in `maxBatchTokens`, waiting up to `maxWaitMicroseconds` after the oldest for more to join.
/// A batch runs on the snapshot current when it starts: `swap` never disturbs a batch in flight.
///
/// Fairness: a request larger than `maxBatchTokens` is scored in chunks of at most that many tokens, one chunk
/// per batch, and goes to the back of the queue after each chunk; so a small request waits behind at most one
/// chunk of a large one, never the whole of it. Every chunk of a request runs on the snapshot its first chunk
/// ran on, so its scores and decision rules stay one version.
public final class InferenceEngine: @unchecked Sendable {  // safe: all mutable state is guarded by `condition`
    /// One request: sequences (token ids with special tokens) and the task of each; a request scored in chunks
    /// keeps its progress here (touched only by the worker, or under `condition`).
    final class Pending {
        let sequences: [[Int32]]
        let tasks: [String]
        let tokens: Int
        let enqueued: DispatchTime
        let completion: @Sendable (Result<ScoredRequest, InferenceEngineError>) -> Void
        /// The next sequence to score, the scores so far and the snapshot of the first chunk.
        var next = 0
        var scores: [TaskScores] = []
        var pinned: ExpertSnapshot?

        init(
            sequences: [[Int32]], tasks: [String], enqueued: DispatchTime,
            completion: @escaping @Sendable (Result<ScoredRequest, InferenceEngineError>) -> Void
        ) {
            self.sequences = sequences
            self.tasks = tasks
            tokens = sequences.reduce(0) { $0 + $1.count }
            self.enqueued = enqueued
            self.completion = completion
        }

        /// Tokens not scored yet.
        var remainingTokens: Int { next == 0 ? tokens : sequences[next...].reduce(0) { $0 + $1.count } }
    }

    /// What one batch scores: whole requests, or one chunk of a large one.
    enum Work {
        case whole([Pending])
        case chunk(Pending, Range<Int>)
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
        let pending = Pending(sequences: sequences, tasks: tasks, enqueued: .now(), completion: completion)
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
        while let (work, snapshot) = nextBatch() {
            switch work {
            case .whole(let batch): run(batch, on: snapshot)
            case .chunk(let pending, let range): runChunk(pending, range, on: snapshot)
            }
        }
        locked { finished = true }
        condition.broadcast()
    }

    /// Waits for work, gathers a batch, and returns it with the snapshot to run it on; nil when stopping and idle.
    private func nextBatch() -> (Work, ExpertSnapshot)? {
        condition.lock()
        defer { condition.unlock() }
        while queue.isEmpty {
            if stopping { return nil }
            condition.wait()
        }
        let deadline = Date().addingTimeInterval(
            Double(configuration.maxWaitMicroseconds) / 1e6
                - Double(DispatchTime.now().uptimeNanoseconds - queue[0].enqueued.uptimeNanoseconds) / 1e9)
        let budget = configuration.maxBatchTokens
        while !stopping && queue.reduce(0, { $0 + $1.remainingTokens }) < budget && Date() < deadline {
            _ = condition.wait(until: deadline)
        }
        // A request too large for one batch (or one already begun) is scored a chunk at a time, then requeued.
        let first = queue[0]
        if first.next > 0 || first.tokens > budget {
            queue.removeFirst()
            var end = first.next, tokens = 0
            while end < first.sequences.count && (end == first.next || tokens + first.sequences[end].count <= budget) {
                tokens += first.sequences[end].count
                end += 1
            }
            queuedSequences -= end - first.next
            if end < first.sequences.count { queue.append(first) }
            let snapshot = first.pinned ?? current
            first.pinned = snapshot
            return (.chunk(first, first.next..<end), snapshot)
        }
        var taken = 0, tokens = 0
        while taken < queue.count && queue[taken].next == 0 && queue[taken].tokens <= budget
            && (taken == 0 || tokens + queue[taken].tokens <= budget)
        {
            tokens += queue[taken].tokens
            taken += 1
        }
        let batch = Array(queue.prefix(taken))
        queue.removeFirst(taken)
        queuedSequences -= batch.reduce(0) { $0 + $1.sequences.count }
        return (.whole(batch), current)
    }

    /// Scores sequences `range` of `pending`; answers it once its last chunk is scored, or at its first failure
    /// (its remaining chunks are then dropped from the queue).
    private func runChunk(_ pending: Pending, _ range: Range<Int>, on snapshot: ExpertSnapshot) {
        let drop = {
            self.locked {
                if let i = self.queue.firstIndex(where: { $0 === pending }) {
                    self.queuedSequences -= pending.sequences.count - range.upperBound
                    self.queue.remove(at: i)
                }
            }
        }
        if let missing = pending.tasks[range].first(where: { snapshot.expert(forKey: $0) == nil }) {
            drop()
            return pending.completion(.failure(.unknownTask(missing, known: snapshot.taskNames)))
        }
        let started = DispatchTime.now()
        do {
            let scores = try snapshot.classify(
                sequences: Array(pending.sequences[range]), tasks: Array(pending.tasks[range]))
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
            onBatch?(
                BatchReport(
                    requests: 1, sequences: range.count,
                    tokens: pending.sequences[range].reduce(0) { $0 + $1.count }, seconds: seconds))
            locked {
                pending.scores += scores
                pending.next = range.upperBound
            }
            if range.upperBound == pending.sequences.count {
                pending.completion(.success(ScoredRequest(scores: pending.scores, snapshot: snapshot)))
            }
        } catch {
            drop()
            pending.completion(.failure(.modelFailure("\(error)")))
        }
    }

    private func run(_ batch: [Pending], on snapshot: ExpertSnapshot) {
        var ready: [Pending] = []
        for p in batch {
            if let missing = p.tasks.first(where: { snapshot.expert(forKey: $0) == nil }) {
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
