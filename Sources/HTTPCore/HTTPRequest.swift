// One parsed request: the request line, the header fields and the decoded body.

/// A complete HTTP/1.x request as the parser delivers it.
public struct HTTPRequest: Sendable, Equatable {
    public var method: HTTPMethod
    /// The request target as sent (origin form `/path?query`, or `*`).
    public var target: String
    public var version: HTTPVersion
    public var headers: HTTPHeaders
    /// The body, chunked transfer coding removed.
    public var body: [UInt8]

    public init(
        method: HTTPMethod, target: String, version: HTTPVersion = .http11, headers: HTTPHeaders = HTTPHeaders(),
        body: [UInt8] = []
    ) {
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers
        self.body = body
    }

    /// The target's path, before any `?` (still percent-encoded).
    public var path: Substring { target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)[0] }

    /// The target's query string after `?`, or nil.
    public var query: Substring? {
        guard let mark = target.firstIndex(of: "?") else { return nil }
        return target[target.index(after: mark)...]
    }

    /// Whether the connection stays open after the response: HTTP/1.1 unless `Connection: close`, HTTP/1.0 only
    /// with `Connection: keep-alive`.
    public var keepAlive: Bool {
        let connection = headers.tokens("Connection")
        switch version {
        case .http11: return !connection.contains("close")
        case .http10: return connection.contains("keep-alive")
        }
    }
}
