// The shadow phase on the request path: which sequences a shadowing candidate scores too, and its tallies
// (would-be automatic decisions, agreement with the served expert) recorded with its run.

import MoELoRA
import Moderation

extension ModerationService {
    /// Indices of the sequences whose task has a shadowing candidate in `snapshot`.
    static func shadowSequences(tasks: [String], snapshot: ExpertSnapshot) -> [Int] {
        guard !snapshot.shadows.isEmpty else { return [] }
        return tasks.indices.filter { snapshot.shadows[tasks[$0]] != nil }
    }

    /// Adds the shadow scores of one request to their runs' tallies: per task, texts scored, texts the candidate
    /// would decide automatically, and texts where its decision and label equal the served answer's. A failure
    /// to record is logged; it never touches the answer.
    func tallyShadows(
        _ shadowScores: [TaskScores], of indices: [Int], results: [ClassifyResult], snapshot: ExpertSnapshot
    ) {
        var tallies: [String: (texts: Int, automatic: Int, agreed: Int)] = [:]
        for (s, k) in zip(shadowScores, indices) where s.scores.allSatisfy(\.isFinite) {
            guard let candidate = snapshot.shadows[s.task], let rule = candidate.decisionRule else { continue }
            let top = s.top
            let decision = rule.decide(s.scores, top: top)
            var tally = tallies[s.task] ?? (0, 0, 0)
            tally.texts += 1
            if decision.isAutomatic { tally.automatic += 1 }
            if decision == results[k].decision && s.labels[top] == results[k].label { tally.agreed += 1 }
            tallies[s.task] = tally
        }
        let runs = admin.shadowRuns.withLock { $0 }
        for (task, t) in tallies {
            guard let run = runs[task] else { continue }
            metrics.shadow(task: task, texts: t.texts, automatic: t.automatic, agreed: t.agreed)
            do {
                try stores.evolution.tallyShadow(id: run, texts: t.texts, automatic: t.automatic, agreed: t.agreed)
            } catch {
                log.error("cannot record shadow tallies", metadata: ["task": "\(task)", "error": "\(error)"])
            }
        }
    }
}
