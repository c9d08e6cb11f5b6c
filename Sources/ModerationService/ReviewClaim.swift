// The body of POST /v1/review/claim, validated.

/// Which items to lease and for how long.
struct ReviewClaim: Equatable {
    let task: String?
    let limit: Int
    let leaseSeconds: Double

    /// Reads `{task?, limit?, lease_seconds?}` (defaults: any task, 10 items, the configured lease).
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
        return ReviewClaim(task: task, limit: limit, leaseSeconds: lease)
    }
}
