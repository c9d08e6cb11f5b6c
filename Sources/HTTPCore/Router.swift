// Route templates such as `/v1/experts/{task}` mapped to handlers, with 404 and 405 told apart.

/// Matches a request's method and path against registered templates. A template's segments are literals or
/// `{name}` parameters (one whole segment each); literal segments win over parameters when both match.
public struct Router<Handler: Sendable>: Sendable {
    /// What `match` found.
    public enum Match: Sendable {
        /// A route: its handler, its template (the metrics label) and the path parameters (percent-decoded).
        case found(Handler, template: String, parameters: [String: String])
        /// A template matches the path but not the method: 405 with `Allow`.
        case methodNotAllowed(allowed: [HTTPMethod])
        case notFound
    }

    struct Route: Sendable {
        let method: HTTPMethod
        let template: String
        let segments: [Substring]
        let handler: Handler
    }

    private var routes: [Route] = []

    public init() {}

    /// Registers `handler` for `method` and `template` (for example `PUT /v1/experts/{task}`).
    public mutating func add(_ method: HTTPMethod, _ template: String, _ handler: Handler) {
        precondition(template.hasPrefix("/"), "route templates start with '/'")
        precondition(
            !routes.contains { $0.method == method && $0.template == template },
            "route \(method) \(template) added twice")
        routes.append(Route(method: method, template: template, segments: Self.segments(template), handler: handler))
    }

    /// The templates registered, as (method, template), in registration order.
    public var templates: [(method: HTTPMethod, template: String)] { routes.map { ($0.method, $0.template) } }

    /// The route for `method` and `path` (the path without its query, still percent-encoded).
    public func match(method: HTTPMethod, path: Substring) -> Match {
        let parts = Self.segments(path)
        var best: (route: Route, parameters: [String: String], literals: Int)?
        var allowed: [HTTPMethod] = []
        for route in routes {
            guard let (parameters, literals) = Self.bind(route.segments, parts) else { continue }
            let methodMatches = route.method == method || (method == .head && route.method == .get)
            guard methodMatches else {
                if !allowed.contains(route.method) { allowed.append(route.method) }
                continue
            }
            if best == nil || literals > best!.literals { best = (route, parameters, literals) }
        }
        if let best { return .found(best.route.handler, template: best.route.template, parameters: best.parameters) }
        return allowed.isEmpty ? .notFound : .methodNotAllowed(allowed: allowed)
    }

    static func segments<S: StringProtocol>(_ path: S) -> [Substring] {
        Substring(path).split(separator: "/", omittingEmptySubsequences: false).dropFirst().map { $0 }
    }

    /// The parameters and the number of literal segments when `template` matches `parts`.
    static func bind(_ template: [Substring], _ parts: [Substring]) -> ([String: String], Int)? {
        guard template.count == parts.count else { return nil }
        var parameters: [String: String] = [:]
        var literals = 0
        for (t, p) in zip(template, parts) {
            if t.hasPrefix("{") && t.hasSuffix("}") {
                guard !p.isEmpty, let decoded = PercentDecoding.decode(p) else { return nil }
                parameters[String(t.dropFirst().dropLast())] = decoded
            } else {
                guard t == p else { return nil }
                literals += 1
            }
        }
        return (parameters, literals)
    }
}
