// One connection's TLS state over memory buffers: the connection keeps doing its own non-blocking socket I/O
// and passes ciphertext in and out, so TLS changes nothing in its Dispatch event handling.

import COpenSSL

/// Decrypts received bytes and encrypts bytes to send. Used only on its connection's serial queue.
final class TLSSession {
    private let ssl: OpaquePointer
    private let incoming: OpaquePointer  // network → OpenSSL
    private let outgoing: OpaquePointer  // OpenSSL → network
    private var buffer = [UInt8](repeating: 0, count: 16 * 1024)

    /// What the peer's bytes gave.
    enum Received {
        case plaintext([UInt8])
        /// The peer sent close_notify: nothing more will arrive.
        case closed
    }

    init(context: OpaquePointer) throws {
        guard let ssl = SSL_new(context), let incoming = BIO_new(BIO_s_mem()), let outgoing = BIO_new(BIO_s_mem())
        else {
            throw HTTPServerError.tls("cannot create a TLS session: \(TLSContext.lastError())")
        }
        self.ssl = ssl
        self.incoming = incoming
        self.outgoing = outgoing
        SSL_set_bio(ssl, incoming, outgoing)  // the session owns both buffers now
        SSL_set_accept_state(ssl)
    }

    deinit { SSL_free(ssl) }

    /// Whether the handshake has completed.
    var handshakeDone: Bool { SSL_is_init_finished(ssl) == 1 }

    /// Feeds ciphertext from the socket and returns the plaintext it completes (handshake messages it causes
    /// wait in `pendingOutput`).
    /// - Throws: `HTTPServerError.tls` when the peer does not speak TLS or the handshake fails.
    func receive(_ bytes: ArraySlice<UInt8>) throws -> Received {
        var offset = bytes.startIndex
        var plaintext: [UInt8] = []
        while offset < bytes.endIndex {
            let n = bytes[offset...].withUnsafeBytes { BIO_write(incoming, $0.baseAddress, Int32($0.count)) }
            guard n > 0 else { throw HTTPServerError.tls("cannot buffer received bytes") }
            offset += Int(n)
            while true {
                let read = buffer.withUnsafeMutableBytes { SSL_read(ssl, $0.baseAddress, Int32($0.count)) }
                if read > 0 {
                    plaintext += buffer[0..<Int(read)]
                    continue
                }
                switch SSL_get_error(ssl, read) {
                case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE: break
                case SSL_ERROR_ZERO_RETURN: return plaintext.isEmpty ? .closed : .plaintext(plaintext)
                default: throw HTTPServerError.tls("TLS failed: \(TLSContext.lastError())")
                }
                break
            }
        }
        return .plaintext(plaintext)
    }

    /// Encrypts `bytes` (after the handshake; the connection only answers requests it has read).
    func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { SSL_write(ssl, $0.baseAddress, Int32($0.count)) }
            guard n > 0 else { throw HTTPServerError.tls("cannot encrypt the response: \(TLSContext.lastError())") }
            offset += Int(n)
        }
    }

    /// Ciphertext waiting to go to the socket (handshake messages and encrypted responses).
    func pendingOutput() -> [UInt8] {
        var result: [UInt8] = []
        while BIO_ctrl_pending(outgoing) > 0 {
            let n = buffer.withUnsafeMutableBytes { BIO_read(outgoing, $0.baseAddress, Int32($0.count)) }
            guard n > 0 else { break }
            result += buffer[0..<Int(n)]
        }
        return result
    }
}
