// POST /v1/review/{id}/explain: the occlusion explanation of a review item's text under its task's current expert,
// for the reviewer page (a review token may not classify). Nothing is recorded or queued.

import Foundation
import InferenceEngine
import MoELoRA

/// The reply: which item, the expert version that explained it, and the explanation.
struct ItemExplanationReply: Encodable {
    let id: Int64
    let task: String
    let version: Int
    let explanation: Explanation
}

extension ModerationService {
    func explainItem(_ request: RouteRequest, _ done: @escaping @Sendable (Result<Reply, any Error>) -> Void) throws {
        guard let id = Int64(request.parameter("id")), let item = try reviews.item(id) else {
            throw ServiceError.notFound("review item '\(request.parameter("id"))'")
        }
        let snapshot = engine.snapshot
        guard snapshot.tasks[item.task] != nil else {
            throw ServiceError.unknownTask(item.task, known: snapshot.taskNames)
        }
        let plan = ExplanationPlan(
            text: item.text, task: item.task, maxSpans: configuration.maxExplainSpans, snapshot: snapshot)
        let full = snapshot.encode(item.text, task: item.task).ids
        do throws(InferenceEngineError) {
            try engine.submit(
                sequences: [full] + plan.ids, tasks: Array(repeating: item.task, count: plan.ids.count + 1)
            ) { result in
                done(
                    Result {
                        let scored = try result.mapError(Self.serviceError).get()
                        let explanation = plan.explanation(full: scored.scores[0], occluded: Array(scored.scores[1...]))
                        return .json(
                            ItemExplanationReply(
                                id: id, task: item.task, version: scored.scores[0].version, explanation: explanation))
                    })
            }
        } catch {
            throw Self.serviceError(error)
        }
    }
}
