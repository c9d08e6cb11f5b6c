// The review queue's routes: claim items with a lease, post a verdict, read the queue's counts.

import Foundation
import HTTPCore
import ServiceStore

extension ModerationService {
    /// Runs a review route (called off the connection's queue: these touch the database).
    func review(_ endpoint: Endpoint, _ request: HTTPRequest, parameters: [String: String]) -> HTTPResponse {
        guard let reviews else { return ServiceError.unavailable("this server runs without a state database").response }
        let now = Date().timeIntervalSince1970
        do {
            switch endpoint {
            case .reviewClaim:
                let body = request.body.isEmpty ? [:] : try JSONBody.object(request)
                let claim = try ReviewClaim.parse(body, configuration: configuration)
                let items = try reviews.claim(task: claim.task, limit: claim.limit, leaseSeconds: claim.leaseSeconds, now: now)
                return JSONBody.response(["items": items])
            case .reviewVerdict:
                guard let id = parameters["id"].flatMap({ Int64($0) }) else {
                    throw ServiceError.notFound("review item '\(parameters["id"] ?? "")'")
                }
                let body = try JSONBody.object(request)
                guard let label = body["label"] as? String else { throw ServiceError.validation("give 'label', the human verdict") }
                return try Self.verdictResponse(reviews.verdict(id: id, label: label, now: now), id: id, label: label)
            case .reviewStats:
                return JSONBody.response(["queues": try reviews.stats(now: now)])
            default:
                return ServiceError.notFound(String(request.path)).response
            }
        } catch let error as ServiceError {
            return error.response
        } catch {
            return ServiceError.unavailable("\(error)").response
        }
    }

    static func verdictResponse(_ outcome: VerdictOutcome, id: Int64, label: String) throws -> HTTPResponse {
        switch outcome {
        case .recorded: return JSONBody.response(VerdictBody(id: id, label: label, status: "recorded"), status: 201)
        case .alreadyRecorded: return JSONBody.response(VerdictBody(id: id, label: label, status: "already_recorded"))
        case .conflict(let existing):
            return HTTPResponse.jsonError(status: 409, code: "verdict_conflict",
                                          message: "item \(id) already has the verdict '\(existing)'; a verdict is recorded once")
        case .notFound: throw ServiceError.notFound("review item \(id)")
        case .invalidLabel(let labels):
            throw ServiceError.validation("label '\(label)' is not one of the task's labels \(labels)")
        }
    }
}

/// The body of a verdict response.
struct VerdictBody: Encodable {
    let id: Int64
    let label: String
    let status: String
}
