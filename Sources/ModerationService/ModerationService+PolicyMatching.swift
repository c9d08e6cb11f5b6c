// Matching a request's texts against its tasks' policy lists, before any of them reaches the model.

import MoELoRA
import Moderation

/// What the policy lists decided for a request's (text, task) pairs, by pair position (text-major, task-minor).
struct PolicyOutcome: Sendable {
    /// Pairs a black or white entry decided: their results, made without the model.
    var decided: [Int: ClassifyResult] = [:]
    /// Pairs a review entry sent to review: the model still scores them.
    var review: [Int: PolicyMatch] = [:]
}

extension ModerationService {
    /// Each text is normalised once, and only when one of the request's tasks has a list.
    func matchPolicies(_ parsed: ClassifyRequest, snapshot: ExpertSnapshot) -> PolicyOutcome {
        var outcome = PolicyOutcome()
        let lists = parsed.tasks.map { policies.current(task: $0) }
        guard lists.contains(where: { $0 != nil }) else { return outcome }
        for (i, text) in parsed.texts.enumerated() {
            let normalised = PolicyText(text)
            for (j, list) in lists.enumerated() {
                guard let list, let hit = list.matcher.firstHit(in: normalised) else { continue }
                let task = parsed.tasks[j], match = PolicyMatch(hit, version: list.stored.version)
                metrics.policyHit(task: task, action: hit.entry.action)
                let position = i * parsed.tasks.count + j
                guard hit.entry.action != .review else {
                    outcome.review[position] = match
                    continue
                }
                outcome.decided[position] = Self.policyResult(
                    match, index: i, task: task, expert: snapshot.tasks[task], tokens: 0)
            }
        }
        return outcome
    }

    /// The result of a pair a black or white entry decided: the violating or the compliant label, no scores.
    static func policyResult(_ match: PolicyMatch, index: Int, task: String, expert: TaskExpert?, tokens: Int)
        -> ClassifyResult
    {
        let labels = expert?.metadata.labels ?? []
        let compliant = expert?.metadata.compliantLabel
        let violating = labels.first { $0 != compliant } ?? labels.first ?? ""
        var result = ClassifyResult(
            index: index, task: task, label: match.action == .white ? compliant ?? violating : violating,
            decision: match.action == .white ? .white : .black, scores: [:], thresholds: [:],
            expert: .init(task: task, version: expert?.version ?? 0), tokens: tokens, truncated: false)
        result.policy = match
        return result
    }
}
