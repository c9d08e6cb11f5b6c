// Issue 15, findings 1, 2 and 4: clients that pipeline without reading, never send a byte, or trickle a TLS
// handshake must not hold memory or connection slots beyond the documented bounds.

import Dispatch
import Foundation
#if canImport(Glibc)
    import Glibc
#endif
import HTTPCore
import HTTPServer
import TestSupport
import Testing

@Suite("HTTPServer against abusive clients", .serialized)
struct AbusiveClientTests {
    /// Finding 1: a client that pipelines requests and never reads made the server build every response in
    /// memory. With backpressure the handler runs again only once the previous answer is sent.
    @Test func aPipelinerThatNeverReadsGetsNoMoreAnswersBuilt() throws {
        let calls = LockedBox(0)
        let big = [UInt8](repeating: 0x61, count: 1 << 20)
        var configuration = HTTPServerConfiguration()
        configuration.port = 0
        let server = HTTPServer(configuration: configuration) { _, responder in
            calls.withLock { $0 += 1 }
            responder.respond(
                HTTPResponse(status: .ok, headers: HTTPHeaders([("Content-Type", "text/plain")]), body: big))
        }
        try server.start()
        defer { server.shutdown(deadline: 1) }
        let client = try TestClient(port: server.port, timeout: 10)
        let count = 100
        client.send(String(repeating: "GET /big HTTP/1.1\r\nHost: h\r\n\r\n", count: count))
        usleep(1_000_000)
        // Kernel buffers take a few answers; the rest wait unbuilt (without backpressure: all 100, 100 MiB).
        let built = calls.withLock { $0 }
        #expect(built < 20, "\(built) answers of 1 MiB built for a client that reads nothing")
        // Once the client reads, every answer comes, in order.
        var answered = 0
        while answered < count, let r = client.rawResponse(), r.status == 200, r.body.count == big.count {
            answered += 1
        }
        #expect(answered == count)
    }

    /// Finding 2: a connection that never sends a byte held its slot for the idle timeout (60 s).
    @Test func aSilentConnectionIsClosedAfterTheHeaderTimeout() throws {
        var configuration = HTTPServerConfiguration()
        configuration.port = 0
        configuration.headerTimeout = 0.5
        configuration.idleTimeout = 60
        let server = HTTPServer(configuration: configuration) { _, responder in responder.respond(HTTPResponse()) }
        try server.start()
        defer { server.shutdown(deadline: 1) }
        let silent = try TestClient(port: server.port, timeout: 10)
        let start = Date()
        #expect(silent.isClosedByServer())
        #expect(Date().timeIntervalSince(start) < 3)
        // A keep-alive connection that did talk still gets the idle timeout.
        let talker = try TestClient(port: server.port, timeout: 2)
        talker.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n")
        #expect(talker.response()?.status == 200)
        usleep(1_200_000)
        talker.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n")
        #expect(talker.response()?.status == 200)
    }

    /// Finding 4: a TLS handshake trickled one byte at a time was never timed out (the timeout counted from the
    /// last byte).
    @Test func aTrickledTLSHandshakeIsClosedAfterTheHeaderTimeout() throws {
        var configuration = HTTPServerConfiguration()
        configuration.port = 0
        configuration.headerTimeout = 0.5
        configuration.tls = try TLSContext(
            certificatePath: TLSTestClient.fixtureCertificate, keyPath: TLSTestClient.fixtureKey)
        let server = HTTPServer(configuration: configuration) { _, responder in responder.respond(HTTPResponse()) }
        try server.start()
        defer { server.shutdown(deadline: 1) }
        let trickle = try TestClient(port: server.port, timeout: 1)
        let hello: [UInt8] =
            [0x16, 0x03, 0x01, 0x00, 0x64, 0x01, 0x00, 0x00, 0x60, 0x03, 0x03] + Array(repeating: 7, count: 32)
        // Keep trickling for up to 4 s: the server must close the connection while bytes still arrive.
        let start = Date()
        var closedAfter: Double?
        for byte in hello + Array(repeating: 7, count: 40) where closedAfter == nil {
            trickle.send([byte])
            usleep(150_000)
            var peek: UInt8 = 0
            if recv(trickle.fd, &peek, 1, Int32(MSG_DONTWAIT)) == 0 { closedAfter = Date().timeIntervalSince(start) }
            if Date().timeIntervalSince(start) > 4 { break }
        }
        #expect(closedAfter.map { $0 < 2 } == true, "closed after \(closedAfter.map { "\($0) s" } ?? "never")")
    }

    /// Finding 3 and the acceptance: slow clients (headers that never end) and pipeliners that never read fill
    /// the cap and reconnect whenever they are dropped; a normal client is still served within 1 s, every time.
    /// `perClient` 0 plays many attacking addresses (eviction alone protects), 4 one address (the per-client limit
    /// refuses its extra connections under pressure).
    @Test(arguments: [0, 4])
    func abusiveClientsAtTheCapLeaveANormalClientServedWithinASecond(perClient: Int) throws {
        let big = [UInt8](repeating: 0x62, count: 1 << 20)
        var configuration = HTTPServerConfiguration()
        configuration.port = 0
        configuration.maxConnections = 16
        configuration.maxConnectionsPerClient = perClient
        let server = HTTPServer(configuration: configuration) { request, responder in
            let body = request.path == "/big" ? big : Array("ok".utf8)
            responder.respond(
                HTTPResponse(status: .ok, headers: HTTPHeaders([("Content-Type", "text/plain")]), body: body))
        }
        try server.start()
        defer { server.shutdown(deadline: 1) }
        let port = server.port
        let slowest = try Self.slowestProbe(attackers: 24, probes: 25) { k, running in
            // Many addresses (127.0.1.k) when the per-client limit is off, one (127.0.0.2) when it is on.
            let source = perClient == 0 ? "127.0.1.\(k + 1)" : "127.0.0.2"
            guard let client = try? TestClient(port: port, timeout: 0.5, source: source) else { return }
            if k % 3 == 0 {
                client.send(String(repeating: "GET /big HTTP/1.1\r\nHost: h\r\n\r\n", count: 8))
            } else {
                client.send("GET / HTTP/1.1\r\nHost: h\r\nX-Slow: ")
            }
            // Hold the slot until the server drops it (a refusal is dropped at once), then come back.
            var peek: UInt8 = 0
            while running(), recv(client.fd, &peek, 1, Int32(MSG_PEEK)) != 0 { usleep(50_000) }
        } probe: {
            let client = try TestClient(port: port, timeout: 2)
            client.send("GET /probe HTTP/1.1\r\nHost: h\r\n\r\n")
            return client.response().map { ($0.status, $0.body) }
        }
        #expect(slowest < 1, "the slowest probe took \(slowest) s")
    }

    /// The acceptance on HTTPS: trickled handshakes from many addresses fill the cap and reconnect; a TLS client
    /// is still served within 1 s.
    @Test func trickledHandshakesAtTheCapLeaveATLSClientServedWithinASecond() throws {
        var configuration = HTTPServerConfiguration()
        configuration.port = 0
        configuration.maxConnections = 8
        configuration.tls = try TLSContext(
            certificatePath: TLSTestClient.fixtureCertificate, keyPath: TLSTestClient.fixtureKey)
        let server = HTTPServer(configuration: configuration) { _, responder in
            responder.respond(HTTPResponse(status: .ok, contentType: "text/plain", text: "ok"))
        }
        try server.start()
        defer { server.shutdown(deadline: 1) }
        let port = server.port
        let slowest = try Self.slowestProbe(attackers: 12, probes: 10) { k, running in
            guard let client = try? TestClient(port: port, timeout: 0.3, source: "127.0.2.\(k + 1)") else { return }
            var peek: UInt8 = 0
            for byte: UInt8 in [0x16, 0x03, 0x01, 0x00, 0x64, 0x01, 0x00, 0x00, 0x60, 0x03, 0x03] {
                guard running() else { break }
                client.send([byte])
                if recv(client.fd, &peek, 1, Int32(MSG_DONTWAIT)) == 0 { break }
                usleep(200_000)
            }
        } probe: {
            let client = try TLSTestClient(port: port, trusting: TLSTestClient.fixtureCertificate)
            client.send("GET /probe HTTP/1.1\r\nHost: localhost\r\n\r\n")
            return client.response().map { ($0.status, $0.body) }
        }
        #expect(slowest < 1, "the slowest probe took \(slowest) s")
    }

    /// Runs `attack(k, running)` again and again (20 ms apart) on `attackers` threads of their own (blocking
    /// clients on Dispatch's pool would starve the server under test) while `probe` runs `probes` times; expects
    /// each probe answered 200 "ok" and returns the slowest probe's seconds.
    static func slowestProbe(
        attackers count: Int, probes: Int, attack: @escaping @Sendable (Int, () -> Bool) -> Void,
        probe: () throws -> (status: Int, body: String)?
    ) throws -> Double {
        let running = LockedBox(true)
        let isRunning: @Sendable () -> Bool = { running.withLock { $0 } }
        let attackers = DispatchGroup()
        for k in 0..<count {
            attackers.enter()
            Thread.detachNewThread {
                defer { attackers.leave() }
                while isRunning() {
                    attack(k, isRunning)
                    usleep(20_000)
                }
            }
        }
        defer {
            running.withLock { $0 = false }
            attackers.wait()
        }
        usleep(500_000)
        var slowest = 0.0
        for _ in 0..<probes {
            let start = Date()
            let r = try probe()
            let took = Date().timeIntervalSince(start)
            slowest = max(slowest, took)
            #expect(r?.status == 200 && r?.body == "ok", "probe: \(r?.status ?? 0) after \(took) s")
            usleep(50_000)
        }
        return slowest
    }
}
