// The handle a request handler answers through, from any thread, once, and the handler type a transport calls.

/// Delivers the response to one request; call `respond` exactly once (later calls are ignored).
public struct HTTPResponder: Sendable {
    let deliver: @Sendable (HTTPResponse) -> Void

    public init(_ deliver: @escaping @Sendable (HTTPResponse) -> Void) {
        self.deliver = deliver
    }

    public func respond(_ response: HTTPResponse) { deliver(response) }
}

/// Handles one request: reads it, then answers through the responder (now or later, from any thread). It must
/// not block: long work goes to another queue.
public typealias HTTPHandler = @Sendable (HTTPRequest, HTTPResponder) -> Void
