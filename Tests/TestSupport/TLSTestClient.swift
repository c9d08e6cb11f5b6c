// A blocking HTTPS client for the TLS tests (OpenSSL, certificate verified against the test fixture).

import COpenSSL
import Foundation

/// A blocking TLS client over a `TestClient` socket that trusts only the given certificate.
public final class TLSTestClient {
    public static var fixtureCertificate: String { TestPaths.fixtures.appendingPathComponent("tls/cert.pem").path }
    public static var fixtureKey: String { TestPaths.fixtures.appendingPathComponent("tls/key.pem").path }

    let socket: TestClient
    let context: OpaquePointer
    let ssl: OpaquePointer
    var pending: [UInt8] = []

    public init(port: UInt16, trusting certificate: String) throws {
        socket = try TestClient(port: port)
        context = SSL_CTX_new(TLS_client_method())!
        SSL_CTX_load_verify_locations(context, certificate, nil)
        SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
        ssl = SSL_new(context)!
        SSL_set_fd(ssl, socket.fd)
        guard SSL_connect(ssl) == 1, SSL_get_verify_result(ssl) == X509_V_OK else { throw POSIXError(.EPROTO) }
    }

    deinit {
        SSL_free(ssl)
        SSL_CTX_free(context)
    }

    public func send(_ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { SSL_write(ssl, $0.baseAddress, Int32($0.count)) }
    }

    /// The next response: status and body (Content-Length framing, as the server always sends).
    public func response() -> (status: Int, body: String)? {
        while true {
            if let end = pending.firstRange(of: Array("\r\n\r\n".utf8)) {
                let head = String(decoding: pending[..<end.lowerBound], as: UTF8.self)
                let length =
                    head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-length:") }
                    .flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) } ?? 0
                if pending.count >= end.upperBound + length {
                    let status = Int(head.split(separator: " ")[1]) ?? 0
                    let body = String(decoding: pending[end.upperBound..<end.upperBound + length], as: UTF8.self)
                    pending.removeFirst(end.upperBound + length)
                    return (status, body)
                }
            }
            var chunk = [UInt8](repeating: 0, count: 16384)
            let n = chunk.withUnsafeMutableBytes { SSL_read(ssl, $0.baseAddress, Int32($0.count)) }
            guard n > 0 else { return nil }
            pending += chunk[0..<Int(n)]
        }
    }
}
