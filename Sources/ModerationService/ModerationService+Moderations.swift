// POST /v1/moderations: results[].flagged, categories and category_scores per input, one category per task.

import Dispatch
import Foundation
import HTTPCore
import Moderation

extension ModerationService {
    /// Answers through `done` once every input was scored under every moderation task.
    func moderations(_ request: RouteRequest, _ done: @escaping @Sendable (Result<Reply, any Error>) -> Void) throws {
        let started = DispatchTime.now().uptimeNanoseconds
        let snapshot = engine.snapshot
        let body = try JSONBody.object(request.http)
        let moderation = snapshot.taskNames.filter { snapshot.tasks[$0]?.metadata.compliantLabel != nil }
        let parsed = try ModerationsRequest.parse(
            body, moderationTasks: moderation, known: snapshot.taskNames, limits: configuration)
        metrics.stage("parse", from: started)
        let id = "modr-" + UUID().uuidString.lowercased()
        try score(parsed, requestId: request.requestId, done) { results in
            let byText = Dictionary(grouping: results, by: \.index)
            let entries = parsed.texts.indices.map { i in ModerationResult(byText[i] ?? []) }
            return .json(ModerationsResponse(id: id, model: "moecl", results: entries))
        }
    }
}

/// The compatible response body.
struct ModerationsResponse: Encodable {
    let id: String
    let model: String
    let results: [ModerationResult]
}

/// One input: flagged when any task's top label is a violation; per task the violation score and, as an
/// extension, the decision (white, black or review) and the review item.
struct ModerationResult: Encodable {
    let flagged: Bool
    let categories: [String: Bool]
    let categoryScores: [String: Float]
    let categoryDecisions: [String: Decision]
    let reviewIds: [String: Int64]

    enum CodingKeys: String, CodingKey {
        case flagged, categories
        case categoryScores = "category_scores", categoryDecisions = "category_decisions", reviewIds = "review_ids"
    }

    init(_ results: [ClassifyResult]) {
        var categories: [String: Bool] = [:], scores: [String: Float] = [:], decisions: [String: Decision] = [:]
        var reviews: [String: Int64] = [:]
        for r in results {
            // The violation score: 1 − the compliant label's score (two-label moderation tasks: the violating score).
            let compliant = r.scores.keys.first { $0 == "compliant" } ?? r.scores.keys.sorted().first ?? ""
            scores[r.task] = 1 - (r.scores[compliant] ?? 0)
            categories[r.task] = r.label != compliant
            decisions[r.task] = r.decision
            if let id = r.reviewId { reviews[r.task] = id }
        }
        flagged = categories.values.contains(true)
        self.categories = categories
        categoryScores = scores
        categoryDecisions = decisions
        reviewIds = reviews
    }
}
