// How the engine batches and how much it queues.

/// Micro-batching and queue bounds of an `InferenceEngine`.
public struct InferenceEngineConfiguration: Sendable {
    /// Tokens per batch at most (a single larger request runs alone).
    public var maxBatchTokens = 4096
    /// Microseconds the first queued request may wait for others to join its batch. 0: batches form from what
    /// queued while the model was busy (measured: the same throughput under load as 2000, and 2 ms less latency
    /// for a lone request; docs/PERFORMANCE.md).
    public var maxWaitMicroseconds = 0
    /// Sequences waiting at most; a request that would exceed it is refused (`InferenceEngineError.overloaded`).
    public var maxQueuedSequences = 4096

    public init() {}
}
