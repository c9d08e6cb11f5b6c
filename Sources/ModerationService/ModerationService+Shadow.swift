// The shadow phase on the request path: which sequences a shadowing candidate scores too (in the batch, or
// off the answer path for shared-mode candidates), and its tallies (would-be automatic decisions, agreement with
// the served expert) recorded with its run.

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
        let runs = admin.shadowRuns.withLock { $0 }
        recordShadowTallies(
            shadowScores, served: indices.map { results[$0] }, candidates: snapshot.shadows, runs: runs)
    }

    /// Offers the sequences of tasks with a shared-mode shadow to it, once their answers are computed; its scores
    /// are tallied like in-batch shadows' when they come. Sequences it refuses (too many waiting) are counted.
    func offerSharedShadows(ids: [[Int32]], tasks: [String], results: [ClassifyResult]) {
        let shadows = admin.sharedShadows.withLock { $0 }
        guard !shadows.isEmpty else { return }
        for (task, shadow) in shadows {
            let mine = tasks.indices.filter { tasks[$0] == task }
            guard !mine.isEmpty else { continue }
            let served = mine.map { results[$0] }
            let offered = shadow.offer(mine.map { ids[$0] }) { scores in
                self.recordShadowTallies(
                    scores, served: served, candidates: shadow.snapshot.tasks, runs: [task: shadow.run])
            }
            if !offered { metrics.shadowSkipped(task: task, texts: mine.count) }
        }
    }

    /// Tallies candidates' scores against the served answers (`served[i]` for `shadowScores[i]`) and records them
    /// with the runs and the shadow metrics.
    func recordShadowTallies(
        _ shadowScores: [TaskScores], served: [ClassifyResult], candidates: [String: TaskExpert],
        runs: [String: Int64]
    ) {
        var tallies: [String: (texts: Int, automatic: Int, agreed: Int)] = [:]
        for (s, answer) in zip(shadowScores, served) where s.scores.allSatisfy(\.isFinite) {
            guard let candidate = candidates[s.task], let rule = candidate.decisionRule else { continue }
            let top = s.top
            let decision = rule.decide(s.scores, top: top)
            var tally = tallies[s.task] ?? (0, 0, 0)
            tally.texts += 1
            if decision.isAutomatic { tally.automatic += 1 }
            if decision == answer.decision && s.labels[top] == answer.label { tally.agreed += 1 }
            tallies[s.task] = tally
        }
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
