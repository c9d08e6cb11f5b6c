// What the server listens on and how long and how much it waits for clients.

import HTTPCore

/// Address, limits, timeouts and the connection cap of an `HTTPServer`.
public struct HTTPServerConfiguration: Sendable {
    /// IPv4 address to bind (`127.0.0.1` by default; `0.0.0.0` for every interface).
    public var host = "127.0.0.1"
    /// Port to bind; 0 picks a free one (read it back from `HTTPServer.port`).
    public var port: UInt16 = 8080
    public var limits = HTTPLimits()
    /// Seconds from a request's first byte until its header block is complete; then 408 and close.
    public var headerTimeout = 10.0
    /// Seconds allowed for a request's body once its headers are in; then 408 and close.
    public var bodyTimeout = 30.0
    /// Seconds a keep-alive connection may stay idle between requests; then it is closed.
    public var idleTimeout = 60.0
    /// Seconds a response may wait on a client that does not read it; then the connection is closed.
    public var writeTimeout = 30.0
    /// Open connections at most. At the cap a new connection evicts the one that has waited longest on its
    /// client (a request still arriving, an idle keep-alive, an unread answer, a handshake), counted from the
    /// client's last byte; one with a request in the handler, or with bytes the server has not read yet, is never
    /// evicted (`EvictionPolicy`). When none may be, the new one is answered 503 and closed.
    public var maxConnections = 1024
    /// Under pressure (more than half the cap open), connections one client address may hold; more are answered
    /// 503 and closed. 0 turns the limit off.
    public var maxConnectionsPerClient = 64
    public var backlog: Int32 = 512
    /// When set, every connection speaks TLS (HTTPS); a plain HTTP request gets a 400 in plain text and is closed.
    public var tls: TLSContext?

    public init() {}
}
