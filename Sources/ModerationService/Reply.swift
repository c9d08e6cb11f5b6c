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
}
