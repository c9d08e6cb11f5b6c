// One entry of the route table.

import HTTPCore

/// A route of the API: registered once in `ModerationService.routes` with its method, path template, the role
/// a token needs, the queue its handler runs on, and the handler.
struct Route: Sendable {
    let method: HTTPMethod
    let template: String
    /// The role a bearer token needs when tokens are configured; nil: always open.
    let role: AccessControl.Role?
    let queue: RouteQueue
    let handler: RouteHandler

    init(
        _ method: HTTPMethod, _ template: String, role: AccessControl.Role?, on queue: RouteQueue,
        _ handler: RouteHandler
    ) {
        self.method = method
        self.template = template
        self.role = role
        self.queue = queue
        self.handler = handler
    }
}
