// The review queue's routes: claim items with a lease, post a verdict, read the queue's counts.

import Foundation
import HTTPCore
import ServiceStore

extension ModerationService {
    /// POST /v1/review/claim: leases up to `limit` open items.
    func claim(_ request: RouteRequest) throws -> Reply {
        let body = request.http.body.isEmpty ? [:] : try JSONBody.object(request.http)
        let claim = try ReviewClaim.parse(body, configuration: configuration)
        let items = try reviews.claim(
            task: claim.task, limit: claim.limit, leaseSeconds: claim.leaseSeconds, now: Clock.now(),
            order: claim.order, maxWaitSeconds: configuration.reviewMaxWaitSeconds)
        return .json(["items": items])
    }

    /// POST /v1/review/{id}/verdict: records a reviewer's label once.
    func verdict(_ request: RouteRequest) throws -> Reply {
        guard let id = Int64(request.parameter("id")) else {
            throw ServiceError.notFound("review item '\(request.parameter("id"))'")
        }
        let body = try JSONBody.object(request.http)
        guard let label = body["label"] as? String else {
            throw ServiceError.validation("give 'label', the human verdict")
        }
        let outcome = try reviews.verdict(id: id, label: label, now: Clock.now())
        if outcome == .recorded, let item = try reviews.item(id) {
            let task = item.task
            if item.kind == .audit { alarm.verdictRecorded(task: task) }
            evolver.verdictRecorded(task: task) { [engine] in engine.snapshot.tasks[task]?.version }
        }
        return try Self.verdictReply(outcome, id: id, label: label)
    }

    static func verdictReply(_ outcome: VerdictOutcome, id: Int64, label: String) throws(ServiceError) -> Reply {
        switch outcome {
        case .recorded: return .json(VerdictBody(id: id, label: label, status: .recorded), status: 201)
        case .alreadyRecorded: return .json(VerdictBody(id: id, label: label, status: .alreadyRecorded))
        case .conflict(let existing):
            throw .verdictConflict("item \(id) already has the verdict '\(existing)'; a verdict is recorded once")
        case .notFound: throw .notFound("review item \(id)")
        case .invalidLabel(let labels):
            throw .validation("label '\(label)' is not one of the task's labels \(labels)")
        }
    }
}

/// The body of a verdict response.
struct VerdictBody: Encodable {
    enum Status: String, Encodable {
        case recorded
        case alreadyRecorded = "already_recorded"
    }

    let id: Int64
    let label: String
    let status: Status
}
