// The size limits a request must respect; the parser enforces them while bytes arrive.

/// Upper bounds on one request, all configurable; exceeding one is an `HTTPParseError` with its status.
public struct HTTPLimits: Sendable, Equatable {
    /// Longest request line in bytes (method, target and version); beyond it: 414.
    public var maxRequestLineBytes = 8 * 1024
    /// Most header fields (trailers of a chunked body included); beyond it: 431.
    public var maxHeaderCount = 100
    /// Most bytes of all header lines together (trailers included); beyond it: 431.
    public var maxHeaderBytes = 32 * 1024
    /// Largest body in bytes (after chunked decoding); beyond it: 413.
    public var maxBodyBytes = 8 * 1024 * 1024

    public init() {}
}
