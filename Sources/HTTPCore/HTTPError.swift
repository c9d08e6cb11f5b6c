// An error a handler answers with: its status, a stable code, a message that says what to do, extra fields.

/// An error that maps to one HTTP response, `{"error": {"code", "message"}}`. Types that a handler throws
/// conform; anything else a handler throws is unexpected and answered 500 without its text.
public protocol HTTPError: Error {
    var status: HTTPStatus { get }
    /// A stable machine-readable code, e.g. `validation_failed`.
    var code: String { get }
    /// Safe to show the client: it never carries server paths or internal state.
    var message: String { get }
    /// Extra header fields, e.g. `Allow`, `Retry-After` or `WWW-Authenticate`.
    var headers: HTTPHeaders { get }
}

extension HTTPError {
    public var headers: HTTPHeaders { HTTPHeaders() }

    /// The JSON error response with this error's header fields.
    public var response: HTTPResponse {
        var r = HTTPResponse.jsonError(status: status, code: code, message: message)
        for field in headers { r.headers.add(field.name, field.value) }
        return r
    }
}
