// The HTTP/1.1 server on a non-blocking listening socket and Dispatch sources: accepts, caps connections, and
// shuts down gracefully.

import Dispatch
import Foundation
import HTTPCore
#if canImport(Glibc)
    import Glibc
#endif

/// Serves HTTP/1.1 with `handler`. Threads: one serial queue accepts; each connection runs on its own serial
/// queue over a shared concurrent pool; the handler is called on the connection's queue and must not block.
public final class HTTPServer: @unchecked Sendable {  // safe: mutable state sits in LockedBox or is set before start
    public let configuration: HTTPServerConfiguration
    let handler: HTTPHandler
    private let acceptQueue = DispatchQueue(label: "moecl.http.accept")
    private let connectionPool = DispatchQueue(label: "moecl.http.connections", attributes: .concurrent)
    private let connections = LockedBox<[ObjectIdentifier: HTTPConnection]>([:])
    /// The accept loop's buffer for a new connection's first bytes (touched only on `acceptQueue`).
    private var firstBytes = [UInt8](repeating: 0, count: 16 * 1024)
    private let state = LockedBox<(source: DispatchSourceRead?, port: UInt16, stopping: Bool)>((nil, 0, false))

    public init(configuration: HTTPServerConfiguration, handler: @escaping HTTPHandler) {
        self.configuration = configuration
        self.handler = handler
    }

    /// The bound port (useful with port 0); 0 before `start`.
    public var port: UInt16 { state.withLock { $0.port } }

    /// Open connections now.
    public var connectionCount: Int { connections.withLock { $0.count } }

    /// Binds, listens and starts accepting.
    /// - Throws: `HTTPServerError` when the address is invalid or cannot be bound.
    public func start() throws {
        let socket = try ListeningSocket(
            host: configuration.host, port: configuration.port, backlog: configuration.backlog)
        let source = DispatchSource.makeReadSource(fileDescriptor: socket.fd, queue: acceptQueue)
        source.setEventHandler { [self] in acceptAll(socket) }
        source.setCancelHandler { Glibc.close(socket.fd) }
        state.withLock {
            $0.source = source
            $0.port = socket.port
        }
        source.resume()
    }

    private func acceptAll(_ socket: ListeningSocket) {
        while let (fd, peer) = socket.accept() {
            let open = connections.withLock { Array($0.values) }
            let perClient = configuration.maxConnectionsPerClient
            if perClient > 0, open.count > configuration.maxConnections / 2,
                open.lazy.filter({ $0.peer == peer }).count >= perClient
            {
                refuse(fd)
                continue
            }
            if open.count >= configuration.maxConnections {
                // Evict the connection that has waited longest on its client (EvictionPolicy); refuse when the
                // server is behind on every one.
                let candidates = open.map(\.evictionCandidate)
                guard
                    let index = EvictionPolicy.victim(among: candidates, hasUnreadInput: { open[$0].hasUnreadInput() })
                else {
                    refuse(fd)
                    continue
                }
                let victim = open[index]
                connections.withLock { _ = $0.removeValue(forKey: ObjectIdentifier(victim)) }
                victim.forceClose()
            }
            let connection = HTTPConnection(
                fd: fd, peer: peer, configuration: configuration, target: connectionPool, handler: handler
            ) {
                [connections] closed in connections.withLock { _ = $0.removeValue(forKey: ObjectIdentifier(closed)) }
            }
            // Read what the client has sent already, so that its first request counts before any eviction.
            let n = firstBytes.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if n > 0 { connection.prime(with: firstBytes[0..<n]) }
            connections.withLock { $0[ObjectIdentifier(connection)] = connection }
            connection.start()
        }
    }

    /// Over the connection cap: a short 503 written without waiting (plain HTTP only), then close.
    private func refuse(_ fd: Int32) {
        guard configuration.tls == nil else {  // a plain answer would be garbage to a TLS client
            Glibc.close(fd)
            return
        }
        var response = HTTPResponse.jsonError(
            status: 503, code: "too_many_connections",
            message: "the server has \(configuration.maxConnections) open connections; retry shortly")
        response.headers.add("Retry-After", "1")
        let bytes = response.encoded(keepAlive: false)
        _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }
        // Closing with unread input would reset the connection, and the client could lose the answer.
        Glibc.shutdown(fd, Int32(SHUT_WR))
        _ = firstBytes.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
        Glibc.close(fd)
    }

    /// Stops accepting, lets busy connections finish their current response, and closes everything once they
    /// have, or when `deadline` seconds have passed. Blocks until done; returns whether all drained in time.
    @discardableResult
    public func shutdown(deadline: Double = 10) -> Bool {
        let source = state.withLock { s -> DispatchSourceRead? in
            defer { s.source = nil; s.stopping = true }
            return s.source
        }
        source?.cancel()
        let open = connections.withLock { Array($0.values) }
        for c in open { c.drain() }
        let end = Date().addingTimeInterval(deadline)
        while connectionCount > 0 && Date() < end { usleep(5_000) }
        let drained = connectionCount == 0
        for c in connections.withLock({ Array($0.values) }) { c.forceClose() }
        let hardEnd = Date().addingTimeInterval(1)
        while connectionCount > 0 && Date() < hardEnd { usleep(5_000) }
        return drained
    }
}
