// The body of POST /v1/review/claim, validated.

import ServiceStore

/// Which items to lease and for how long.
struct ReviewClaim: Equatable {
    let task: String?
    let limit: Int
    let leaseSeconds: Double
    let order: ClaimOrder

    /// Reads `{task?, limit?, lease_seconds?, order?}` (defaults: any task, 10 items, the configured lease and
    /// order).
    static func parse(_ body: [String: Any], configuration: ServiceConfiguration) throws(ServiceError) -> ReviewClaim {
        let task: String?
        switch body["task"] {
        case nil: task = nil
        case let name as String: task = name
        default: throw .validation("'task' must be a task name")
        }
        let limit = body["limit"] == nil ? 10 : JSONField.integer(body["limit"]) ?? -1
        guard (1...configuration.maxClaim).contains(limit) else {
            throw .validation("'limit' must be an integer from 1 to \(configuration.maxClaim)")
        }
        let lease =
            body["lease_seconds"] == nil
            ? configuration.defaultLeaseSeconds : JSONField.number(body["lease_seconds"]) ?? -1
        guard lease >= 1 && lease <= 86_400 else { throw .validation("'lease_seconds' must be from 1 to 86400") }
        let order: ClaimOrder
        switch body["order"] {
        case nil: order = configuration.claimOrder
        case let name as String where ClaimOrder(rawValue: name) != nil: order = ClaimOrder(rawValue: name)!
        default:
            throw .validation("'order' must be one of \(ClaimOrder.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return ReviewClaim(task: task, limit: limit, leaseSeconds: lease, order: order)
    }
}
