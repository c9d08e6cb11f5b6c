// The server over real loopback sockets: keep-alive and pipelining, errors then close, 100-continue, timeouts,
// the connection cap and graceful shutdown.

import Dispatch
import Foundation
import HTTPCore
import HTTPServer
import TestSupport
import Testing

@Suite("HTTPServer")
struct HTTPServerTests {
    /// A server on a free port that echoes method, target and body; `/slow` answers after 300 ms.
    static func server(_ adjust: (inout HTTPServerConfiguration) -> Void = { _ in }) throws -> HTTPServer {
        var configuration = HTTPServerConfiguration()
        configuration.port = 0
        adjust(&configuration)
        let server = HTTPServer(configuration: configuration) { request, responder in
            let text = "\(request.method) \(request.target) \(String(decoding: request.body, as: UTF8.self))"
            let response = HTTPResponse(status: 200, contentType: "text/plain", text: text)
            if request.path == "/slow" {
                DispatchQueue.global().asyncAfter(deadline: .now() + 0.3) { responder.respond(response) }
            } else {
                responder.respond(response)
            }
        }
        try server.start()
        return server
    }

    @Test func keepAliveAndPipelinedRequestsAnswerInOrder() throws {
        let server = try Self.server()
        defer { server.shutdown(deadline: 1) }
        let client = try TestClient(port: server.port)
        client.send("GET /a HTTP/1.1\r\nHost: h\r\n\r\n")
        #expect(client.response()?.body == "GET /a ")
        // Three pipelined requests in one write, the first slow: answers still come in order.
        client.send(
            "GET /slow HTTP/1.1\r\nHost: h\r\n\r\nPOST /b HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nhi"
                + "POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n")
        #expect(client.response()?.body == "GET /slow ")
        #expect(client.response()?.body == "POST /b hi")
        let last = client.response()
        #expect(last?.body == "POST /c abc" && last?.headers["connection"] == nil)
        client.send("GET /bye HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
        #expect(client.response()?.headers["connection"] == "close")
        #expect(client.isClosedByServer())
    }

    @Test func malformedInputGetsAJSONErrorThenCloseAndTheServerKeepsServing() throws {
        let server = try Self.server { $0.limits.maxBodyBytes = 16 }
        defer { server.shutdown(deadline: 1) }
        for (bytes, status) in [
            ("\u{1}\u{2}garbage\r\n\r\n", 400), ("GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 17\r\n\r\n", 413),
            ("GET / HTTP/3.0\r\n\r\n", 505),
        ] {
            let client = try TestClient(port: server.port)
            client.send(bytes)
            let r = client.response()
            #expect(r?.status == status && r?.body.hasPrefix("{\"error\":{\"code\":") == true, "\(bytes)")
            #expect(r?.headers["connection"] == "close")
            #expect(client.isClosedByServer())
        }
        let good = try TestClient(port: server.port)
        good.send("GET /ok HTTP/1.1\r\nHost: h\r\n\r\n")
        #expect(good.response()?.status == 200)
    }

    @Test func expectContinueIsAnsweredBeforeTheBody() throws {
        let server = try Self.server()
        defer { server.shutdown(deadline: 1) }
        let client = try TestClient(port: server.port)
        client.send("POST /up HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n")
        #expect(client.response()?.status == 100)
        client.send("data")
        #expect(client.response()?.body == "POST /up data")
    }

    @Test func slowHeadersTimeOutWith408AndIdleConnectionsClose() throws {
        let server = try Self.server {
            $0.headerTimeout = 0.4
            $0.idleTimeout = 0.4
        }
        defer { server.shutdown(deadline: 1) }
        // One byte at a time, slower than the header timeout allows.
        let slow = try TestClient(port: server.port)
        for byte in "GET / HTTP/1.1\r\n".utf8.prefix(4) {
            slow.send([byte])
            usleep(150_000)
        }
        let r = slow.response()
        #expect(r?.status == 408 && r?.headers["connection"] == "close")
        let idle = try TestClient(port: server.port)
        idle.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n")
        #expect(idle.response()?.status == 200)
        let started = Date()
        #expect(idle.isClosedByServer())
        #expect(Date().timeIntervalSince(started) < 3)
    }

    @Test func atTheCapTheLongestWaitingConnectionIsEvictedAndOnlyWorkingOnesGive503() throws {
        let server = try Self.server { $0.maxConnections = 1 }
        defer { server.shutdown(deadline: 1) }
        let first = try TestClient(port: server.port)
        first.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n")
        #expect(first.response()?.status == 200)
        // The first waits on its client (idle keep-alive): the second evicts it and is served.
        let second = try TestClient(port: server.port)
        second.send("GET /slow HTTP/1.1\r\nHost: h\r\n\r\n")
        #expect(first.isClosedByServer())
        // While the second's request is in the handler, a third finds no connection to evict: 503.
        usleep(50_000)
        let third = try TestClient(port: server.port)
        let refused = third.response()
        #expect(refused?.status == 503 && refused?.headers["retry-after"] == "1")
        #expect(second.response()?.body == "GET /slow ")
    }

    @Test func shutdownDrainsTheRequestInFlight() throws {
        let server = try Self.server()
        let client = try TestClient(port: server.port)
        client.send("GET /slow HTTP/1.1\r\nHost: h\r\n\r\n")
        usleep(50_000)
        let drained = server.shutdown(deadline: 3)
        #expect(drained)
        let r = client.response()
        #expect(r?.body == "GET /slow " && r?.headers["connection"] == "close")
        #expect(throws: (any Error).self) { try TestClient(port: server.port) }
    }
}

@Suite("HTTPServer gzip")
struct HTTPServerGzipTests {
    @Test func largeBodiesAreGzippedWhenAcceptedAndDecompressToTheOriginal() throws {
        let text = String(repeating: "moderation ", count: 500)
        var configuration = HTTPServerConfiguration()
        configuration.port = 0
        let server = HTTPServer(configuration: configuration) { _, responder in
            responder.respond(HTTPResponse(status: 200, contentType: "text/plain", text: text))
        }
        try server.start()
        defer { server.shutdown(deadline: 1) }
        let client = try TestClient(port: server.port)
        client.send("GET / HTTP/1.1\r\nHost: h\r\nAccept-Encoding: br, gzip;q=0.5\r\n\r\n")
        let zipped = try #require(client.rawResponse())
        #expect(zipped.headers["content-encoding"] == "gzip" && zipped.body.count < text.utf8.count / 10)
        #expect(try TestClient.gunzip(zipped.body) == Array(text.utf8))
        client.send("GET / HTTP/1.1\r\nHost: h\r\nAccept-Encoding: gzip;q=0\r\n\r\n")
        let plain = try #require(client.rawResponse())
        #expect(plain.headers["content-encoding"] == nil && plain.body == Array(text.utf8))
    }
}
