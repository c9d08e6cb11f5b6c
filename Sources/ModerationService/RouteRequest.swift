// What a route's handler is given: the request, its path parameters and its request id.

import HTTPCore

/// One matched request.
struct RouteRequest: Sendable {
    let http: HTTPRequest
    /// Path parameters by name (percent-decoded), e.g. `task` of `/v1/experts/{task}`.
    let parameters: [String: String]
    /// The client's `X-Request-Id` when usable, else a new UUID; unexpected errors quote it.
    let requestId: String

    /// The path parameter `name` (routes only ask for parameters of their own template).
    func parameter(_ name: String) -> String { parameters[name] ?? "" }
}
