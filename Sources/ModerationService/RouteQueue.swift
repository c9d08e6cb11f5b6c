// Where a route's handler runs: the connection's own queue, the engine, the serial admin queue or the store pool.

/// The queue a route's handler runs on. Handlers must not block a connection's queue, so anything that waits
/// on a database or a file runs elsewhere.
enum RouteQueue: Sendable {
    /// On the connection's queue: quick reads of in-memory state.
    case connection
    /// Parsing and tokenising on the connection's queue, then the model on the engine's worker; the answer is
    /// formatted on the global pool.
    case engine
    /// The serial admin queue: expert and threshold changes never race on the snapshot.
    case admin
    /// The global pool: routes that read or write the database.
    case store
}
