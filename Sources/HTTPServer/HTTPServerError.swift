// Failures to start the server: each names the system call, the address or the file, and what to do.

/// Why the server could not listen (or set up TLS).
public enum HTTPServerError: Error, CustomStringConvertible, Equatable, Sendable {
    case invalidAddress(String)
    case systemCall(String, address: String, errno: Int32)
    /// TLS set-up or a TLS session failed; the text names the file or OpenSSL's reason.
    case tls(String)

    public var description: String {
        switch self {
        case .invalidAddress(let host):
            return "'\(host)' is not an IPv4 address; use for example 127.0.0.1 or 0.0.0.0"
        case .systemCall(let call, let address, let code):
            let hint = code == 98 ? ": the address is in use; stop the other server or pick another --port" : ""
            return "\(call) on \(address) failed (errno \(code))\(hint)"
        case .tls(let message):
            return message
        }
    }
}
