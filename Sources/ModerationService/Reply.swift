// A handler's answer: a typed body encoded as JSON with its status, or a ready response (the metrics text).

import Foundation
import HTTPCore

/// What a handler answers with.
struct Reply: Sendable {
    let response: HTTPResponse

    /// `body` as JSON with sorted keys (stable output).
    static func json<Body: Encodable>(_ body: Body, status: HTTPStatus = .ok) -> Reply {
        Reply(response: JSONBody.response(body, status: status))
    }

    static func raw(_ response: HTTPResponse) -> Reply { Reply(response: response) }

    /// A self-contained HTML page: its own inline script and style only, nothing fetched from elsewhere.
    static func page(_ html: String) -> Reply {
        var response = HTTPResponse(status: .ok, contentType: "text/html; charset=utf-8", text: html)
        response.headers.add(
            "Content-Security-Policy",
            "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; "
                + "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
        response.headers.add("X-Content-Type-Options", "nosniff")
        response.headers.add("Cache-Control", "no-store")
        return Reply(response: response)
    }
}
