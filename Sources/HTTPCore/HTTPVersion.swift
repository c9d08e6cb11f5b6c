// The protocol versions the server speaks.

/// HTTP/1.0 or HTTP/1.1 (the parser answers 505 to any other version).
public enum HTTPVersion: String, Sendable, Equatable {
    case http10 = "HTTP/1.0"
    case http11 = "HTTP/1.1"
}
