// One response and its HTTP/1.1 wire form.

import Foundation

/// A status, header fields and a body; `encoded` writes it with Content-Length and Connection set.
public struct HTTPResponse: Sendable, Equatable {
    public var status: HTTPStatus
    public var headers: HTTPHeaders
    public var body: [UInt8]

    public init(status: HTTPStatus = .ok, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A response whose body is `text` (UTF-8) with the given content type.
    public init(status: HTTPStatus = .ok, contentType: String, text: String) {
        self.init(status: status, headers: HTTPHeaders([("Content-Type", contentType)]), body: Array(text.utf8))
    }

    /// The bytes on the wire: status line, fields (Content-Length and Connection replaced), blank line, body.
    /// - Parameters:
    ///   - keepAlive: whether the connection stays open (`Connection: close` otherwise).
    ///   - headOnly: a response to HEAD: the fields of the full response, no body.
    public func encoded(keepAlive: Bool, headOnly: Bool = false) -> [UInt8] {
        var fields = headers
        fields.remove("Content-Length")
        fields.remove("Connection")
        if !status.isInformational && status != .noContent { fields.add("Content-Length", String(body.count)) }
        if !keepAlive { fields.add("Connection", "close") }
        var head = "HTTP/1.1 \(status.code) \(status.reason)\r\n"
        for field in fields { head += "\(field.name): \(field.value)\r\n" }
        head += "\r\n"
        var bytes = Array(head.utf8)
        if !headOnly { bytes += body }
        return bytes
    }

    /// `100 Continue`, sent before reading a body the client holds back.
    public static let continueBytes = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)
}

extension HTTPResponse {
    /// The service's error shape, `{"error": {"code": "...", "message": "..."}}`, as `application/json`.
    public static func jsonError(status: HTTPStatus, code: String, message: String) -> HTTPResponse {
        let object = ["error": ["code": code, "message": message]]
        let data =
            (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
            ?? Data("{\"error\":{\"code\":\"internal\",\"message\":\"\"}}".utf8)
        return HTTPResponse(
            status: status, headers: HTTPHeaders([("Content-Type", "application/json")]), body: Array(data))
    }
}
