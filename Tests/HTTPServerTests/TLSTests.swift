// HTTPS: requests over TLS (certificate verified against the test fixture), plain HTTP on the TLS port, a broken
// handshake, and bad certificate files.

import Foundation
import HTTPCore
import HTTPServer
import TestSupport
import Testing

@Suite("HTTPServer TLS")
struct TLSTests {
    static var certificate: String { TLSTestClient.fixtureCertificate }
    static var key: String { TLSTestClient.fixtureKey }

    static func server() throws -> HTTPServer {
        try HTTPServerTests.server { $0.tls = try? TLSContext(certificatePath: certificate, keyPath: key) }
    }

    @Test func keepAliveRequestsOverTLSWithAVerifiedCertificate() throws {
        let server = try Self.server()
        defer { server.shutdown(deadline: 1) }
        let client = try TLSTestClient(port: server.port, trusting: Self.certificate)
        client.send("GET /a HTTP/1.1\r\nHost: localhost\r\n\r\n")
        #expect(client.response()?.body == "GET /a ")
        let big = String(repeating: "x", count: 100_000)  // several TLS records each way
        client.send("POST /b HTTP/1.1\r\nHost: localhost\r\nContent-Length: \(big.utf8.count)\r\n\r\n\(big)")
        let r = client.response()
        #expect(r?.status == 200 && r?.body == "POST /b \(big)")
    }

    @Test func plainHTTPAndBrokenHandshakesAreRefusedAndTheServerKeepsServing() throws {
        let server = try Self.server()
        defer { server.shutdown(deadline: 1) }
        let plain = try TestClient(port: server.port)
        plain.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n")
        let r = plain.response()
        #expect(r?.status == 400 && r?.body.contains("tls_required") == true)
        #expect(plain.isClosedByServer())
        // A handshake record of garbage: the server answers with an alert at most, and closes.
        let broken = try TestClient(port: server.port)
        broken.send([0x16, 0xFF, 0xFF, 0x00, 0x05, 1, 2, 3, 4, 5])
        #expect(broken.isClosedByServer())
        let client = try TLSTestClient(port: server.port, trusting: Self.certificate)
        client.send("GET /still HTTP/1.1\r\nHost: localhost\r\n\r\n")
        #expect(client.response()?.body == "GET /still ")
    }

    @Test func aStalledHandshakeIsClosedAfterTheHeaderTimeout() throws {
        let server = try HTTPServerTests.server {
            $0.tls = try? TLSContext(certificatePath: Self.certificate, keyPath: Self.key)
            $0.headerTimeout = 0.5
        }
        defer { server.shutdown(deadline: 1) }
        let stalled = try TestClient(port: server.port)
        // 5 of a 100-byte ClientHello record
        stalled.send([0x16, 0x03, 0x01, 0x00, 0x64, 0x01, 0x00, 0x00, 0x60, 0x03])
        let start = Date()
        #expect(stalled.isClosedByServer())
        #expect(Date().timeIntervalSince(start) < 4)
    }

    @Test func badCertificateOrKeyFilesAreNamedInTheError() throws {
        #expect(throws: HTTPServerError.self) {
            try TLSContext(certificatePath: "/nonexistent/cert.pem", keyPath: Self.key)
        }
        do {
            // a certificate is not a key
            _ = try TLSContext(certificatePath: Self.certificate, keyPath: Self.certificate)
            Issue.record("a certificate accepted as a key")
        } catch {
            #expect("\(error)".contains("private key") && "\(error)".contains("cert.pem"))
        }
    }
}
