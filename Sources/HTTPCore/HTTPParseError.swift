// Why a request could not be parsed, with the status the server answers before closing the connection.

/// A malformed or over-limit request. After one, the parser accepts nothing more: the server answers `status`
/// and closes the connection.
public enum HTTPParseError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A syntax error (bad request line, header line, Content-Length, chunk size, bare CR, ...): 400.
    case malformed(String)
    /// The request line is longer than `HTTPLimits.maxRequestLineBytes`: 414.
    case requestLineTooLong(limit: Int)
    /// More header fields or header bytes than allowed: 431.
    case headersTooLarge(String)
    /// The body is larger than `HTTPLimits.maxBodyBytes`: 413.
    case bodyTooLarge(limit: Int)
    /// A transfer coding other than chunked: 501.
    case unsupportedTransferEncoding(String)
    /// An HTTP version other than 1.0 and 1.1: 505.
    case unsupportedVersion(String)
    /// An `Expect` value other than 100-continue: 417.
    case unsupportedExpectation(String)

    /// The response status for this error.
    public var status: HTTPStatus {
        switch self {
        case .malformed: 400
        case .requestLineTooLong: 414
        case .headersTooLarge: 431
        case .bodyTooLarge: 413
        case .unsupportedTransferEncoding: 501
        case .unsupportedVersion: 505
        case .unsupportedExpectation: 417
        }
    }

    /// A stable machine-readable code for JSON error bodies.
    public var code: String {
        switch self {
        case .malformed: "bad_request"
        case .requestLineTooLong: "uri_too_long"
        case .headersTooLarge: "headers_too_large"
        case .bodyTooLarge: "body_too_large"
        case .unsupportedTransferEncoding: "unsupported_transfer_encoding"
        case .unsupportedVersion: "http_version_not_supported"
        case .unsupportedExpectation: "expectation_failed"
        }
    }

    public var description: String {
        switch self {
        case .malformed(let why): "malformed request: \(why)"
        case .requestLineTooLong(let limit): "the request line is longer than \(limit) bytes; shorten the URL"
        case .headersTooLarge(let why): "request headers too large: \(why)"
        case .bodyTooLarge(let limit): "the request body is larger than \(limit) bytes; send less per request"
        case .unsupportedTransferEncoding(let coding):
            "transfer coding '\(coding)' is not supported; send the body with Content-Length or chunked"
        case .unsupportedVersion(let version): "\(version) is not supported; use HTTP/1.1"
        case .unsupportedExpectation(let value): "Expect: \(value) is not supported; only 100-continue is"
        }
    }
}
