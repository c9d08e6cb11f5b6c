// Bearer tokens with roles: classify, review, admin (admin may do everything).

import Foundation
import HTTPCore
import ModelFormats

/// Who may call what. With no tokens configured every route is open (the server then refuses non-loopback
/// addresses, see `ServeCommand`); with tokens, every `/v1` route needs one with the route's role.
public struct AccessControl: Sendable {
    public enum Role: String, Sendable, CaseIterable {
        case classify, review, admin
    }

    /// Token → roles.
    let tokens: [String: Set<Role>]

    public init(tokens: [String: Set<Role>] = [:]) {
        self.tokens = tokens
    }

    public var isEnabled: Bool { !tokens.isEmpty }
    public var hasAdminToken: Bool { tokens.values.contains { $0.contains(.admin) } }

    /// Reads `role:token` entries (comma- or newline-separated; `#` starts a comment line).
    /// - Throws: `ServiceError.validation` naming a bad entry.
    public static func parse(_ text: String) throws -> [String: Set<Role>] {
        var result: [String: Set<Role>] = [:]
        for raw in text.split(whereSeparator: { $0 == "," || $0 == "\n" }) {
            let entry = raw.trimmingCharacters(in: .whitespaces)
            if entry.isEmpty || entry.hasPrefix("#") { continue }
            let parts = entry.split(separator: ":", maxSplits: 1).map(String.init)
            guard parts.count == 2, let role = Role(rawValue: parts[0]), parts[1].count >= 16 else {
                throw ServiceError.validation(
                    "token entry '\(entry.prefix(24))…' must be role:token with role classify, review or admin "
                        + "and a token of at least 16 characters"
                )
            }
            result[parts[1], default: []].insert(role)
        }
        return result
    }

    /// nil when `request` may use a route needing `role`; else the 401 or 403 to answer.
    func check(_ request: HTTPRequest, role: Role) -> ServiceError? {
        guard isEnabled else { return nil }
        guard let header = request.headers["Authorization"], header.lowercased().hasPrefix("bearer ") else {
            return .unauthorized("this route needs 'Authorization: Bearer <token>' with the \(role.rawValue) role")
        }
        let presented = Array(header.dropFirst(7).trimmingCharacters(in: .whitespaces).utf8)
        // Compare with every token in constant time per token, so timing does not reveal a prefix.
        var roles: Set<Role>?
        for (token, granted) in tokens where Self.equal(Array(token.utf8), presented) { roles = granted }
        guard let roles else { return .unauthorized("the bearer token is not valid") }
        guard roles.contains(role) || roles.contains(.admin) else {
            return .forbidden("the token lacks the \(role.rawValue) role")
        }
        return nil
    }

    /// Who made `request`, for audit trails: "open" without tokens, else the presented token's roles and the
    /// first 12 hex digits of its SHA-256 (the token itself is never stored).
    func author(of request: HTTPRequest) -> String {
        guard isEnabled, let header = request.headers["Authorization"], header.lowercased().hasPrefix("bearer ") else {
            return "open"
        }
        let presented = header.dropFirst(7).trimmingCharacters(in: .whitespaces)
        let roles = tokens[presented].map { $0.map(\.rawValue).sorted().joined(separator: "+") } ?? "unknown"
        return "\(roles):\(FileDigest.sha256(Array(presented.utf8)).prefix(12))"
    }

    static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for i in a.indices { difference |= a[i] ^ b[i] }
        return difference == 0
    }
}
