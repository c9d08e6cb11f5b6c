// The server's TLS configuration: one OpenSSL context, loaded once from PEM files and shared by connections.

import COpenSSL

/// A TLS server context (TLS 1.2 or newer) with a certificate chain and its private key.
// safe: OpenSSL contexts are immutable after set-up and thread-safe to share
public final class TLSContext: @unchecked Sendable {
    let context: OpaquePointer

    /// Loads the certificate chain and the key.
    /// - Throws: `HTTPServerError.tls` naming the file and OpenSSL's reason.
    public init(certificatePath: String, keyPath: String) throws {
        guard let context = SSL_CTX_new(TLS_server_method()) else {
            throw HTTPServerError.tls("cannot create a TLS context: \(Self.lastError())")
        }
        self.context = context
        guard SSL_CTX_ctrl(context, SSL_CTRL_SET_MIN_PROTO_VERSION, Int(TLS1_2_VERSION), nil) == 1 else {
            throw HTTPServerError.tls("cannot require TLS 1.2: \(Self.lastError())")
        }
        guard SSL_CTX_use_certificate_chain_file(context, certificatePath) == 1 else {
            throw HTTPServerError.tls(
                "cannot load the certificate chain \(certificatePath) (PEM expected): \(Self.lastError())")
        }
        guard SSL_CTX_use_PrivateKey_file(context, keyPath, SSL_FILETYPE_PEM) == 1 else {
            throw HTTPServerError.tls(
                "cannot load the private key \(keyPath) (unencrypted PEM expected): \(Self.lastError())")
        }
        guard SSL_CTX_check_private_key(context) == 1 else {
            throw HTTPServerError.tls(
                "the key \(keyPath) does not match the certificate \(certificatePath): \(Self.lastError())")
        }
    }

    deinit { SSL_CTX_free(context) }

    /// A new session for one connection.
    func session() throws -> TLSSession { try TLSSession(context: context) }

    /// OpenSSL's most recent error on this thread as text (and clears the queue).
    static func lastError() -> String {
        var messages: [String] = []
        while case let code = ERR_get_error(), code != 0 {
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            messages.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return messages.isEmpty ? "no details from OpenSSL" : messages.joined(separator: "; ")
    }
}
