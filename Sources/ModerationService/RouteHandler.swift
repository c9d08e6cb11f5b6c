// The two shapes of route handler: one that answers where it runs, one that answers later from any thread.

/// A route's handler. Errors it throws that conform to `HTTPError` become their response; any other error is
/// unexpected: 500 with the request id, and a log line with the error.
enum RouteHandler: Sendable {
    /// Answers on the route's queue.
    case direct(@Sendable (ModerationService, RouteRequest) throws -> Reply)
    /// Answers later through `done`, from any thread (after the engine scored the texts).
    case deferred(
        @Sendable (ModerationService, RouteRequest, _ done: @escaping @Sendable (Result<Reply, any Error>) -> Void)
            throws -> Void)
}
