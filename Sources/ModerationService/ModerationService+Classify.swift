// POST /v1/classify: validate, tokenise, score through the engine, apply each expert's decision rule.

import Dispatch
import Foundation
import ModelFormats
import HTTPCore
import InferenceEngine
import MoELoRA
import Moderation
import ServiceStore

extension ModerationService {
    /// Answers through `done` once the engine scored every (text, task) pair.
    func classify(_ request: RouteRequest, _ done: @escaping @Sendable (Result<Reply, any Error>) -> Void) throws {
        let started = DispatchTime.now().uptimeNanoseconds
        let body = try JSONBody.object(request.http)
        let parsed = try ClassifyRequest.parse(body, known: engine.snapshot.taskNames, limits: configuration)
        metrics.stage("parse", from: started)
        let requestId = request.requestId
        try score(parsed, requestId: requestId, done) { results in
            .json(ClassifyResponse(requestId: requestId, results: results))
        }
    }

    /// Scores every (text, task) pair of `parsed` through the engine, records the decisions, queues review and
    /// audit items durably, and answers with `render(results)`.
    /// - Throws: `ServiceError` when the engine refuses the request (overloaded, stopped, unknown task).
    func score(
        _ parsed: ClassifyRequest, requestId: String, _ done: @escaping @Sendable (Result<Reply, any Error>) -> Void,
        render: @escaping @Sendable ([ClassifyResult]) -> Reply
    ) throws {
        // Policy lists first: a black or white hit decides its pair without the model.
        let snapshot = engine.snapshot
        let policy = matchPolicies(parsed, snapshot: snapshot)
        // Every other (text, task) pair is one sequence; a text is tokenised once per prompt template its tasks use.
        let tokenizing = DispatchTime.now().uptimeNanoseconds
        var encoded: [(ids: [Int32], truncated: Bool)] = [], tasks: [String] = [], origins: [Int] = []
        var pairPositions: [Int] = []  // each sequence's pair position (text-major, task-minor)
        for (i, text) in parsed.texts.enumerated() {
            var byTemplate: [String: (ids: [Int32], truncated: Bool)] = [:]
            for (j, task) in parsed.tasks.enumerated() where policy.decided[i * parsed.tasks.count + j] == nil {
                let key = snapshot.tasks[task]?.metadata.promptTemplate?.text ?? ""
                let e = byTemplate[key] ?? snapshot.encode(text, task: task)
                byTemplate[key] = e
                encoded.append(e)
                tasks.append(task)
                origins.append(i)
                pairPositions.append(i * parsed.tasks.count + j)
            }
        }
        let pairCount = parsed.texts.count * parsed.tasks.count, positions = pairPositions
        /// The model's results and the policy's, in pair order.
        @Sendable func merged(_ results: [ClassifyResult]) -> [ClassifyResult] {
            var byPosition = policy.decided
            for (k, r) in results.enumerated() { byPosition[positions[k]] = r }
            return (0..<pairCount).compactMap { byPosition[$0] }
        }
        if !policy.decided.isEmpty { record(Array(policy.decided.values), scores: [], texts: parsed.texts) }
        if encoded.isEmpty {
            metrics.stage("tokenize", from: tokenizing)
            return done(.success(render(merged([]))))
        }
        let texts = encoded, origin = origins, count = encoded.count, names = tasks, ids = encoded.map(\.ids)
        // Explanations: each pair's text once without each of its spans, scored in the same batch after the pairs.
        let plans =
            parsed.explain
            ? (0..<count).map { k in
                ExplanationPlan(
                    text: parsed.texts[origin[k]], task: names[k], maxSpans: configuration.maxExplainSpans,
                    snapshot: snapshot)
            } : []
        let variantIds = plans.flatMap(\.ids), variantTasks = plans.flatMap { p in p.ids.map { _ in p.task } }
        let extra = variantIds.count
        let submitted = DispatchTime.now().uptimeNanoseconds
        metrics.stage("tokenize", from: tokenizing, to: submitted)
        // A task with a shadowing candidate scores each of its sequences once more under the candidate, in the
        // same batch; its scores never reach the answer.
        let shadowed = Self.shadowSequences(tasks: tasks, snapshot: engine.snapshot)
        @Sendable func submit(_ withShadows: Bool) throws(InferenceEngineError) {
            let keys =
                names + variantTasks + (withShadows ? shadowed.map { ExpertSnapshot.shadowKey(names[$0]) } : [])
            let all = ids + variantIds + (withShadows ? shadowed.map { ids[$0] } : [])
            try self.engine.submit(sequences: all, tasks: keys) { result in
                let scoredAt = DispatchTime.now().uptimeNanoseconds
                self.metrics.stage("engine", from: submitted, to: scoredAt)
                // Formatting leaves the worker thread at once: the worker only runs the model.
                DispatchQueue.global().async {
                    let formatting = DispatchTime.now().uptimeNanoseconds
                    self.metrics.stage("handoff", from: scoredAt, to: formatting)
                    if withShadows, case .failure(.unknownTask(let key, _)) = result, key.hasPrefix("shadow:") {
                        // The shadow ended between submission and scoring: score again without shadows.
                        do throws(InferenceEngineError) { return try submit(false) } catch {
                            return done(.failure(Self.serviceError(error)))
                        }
                    }
                    done(
                        Result {
                            let scored = try result.mapError(Self.serviceError).get()
                            let main = Array(scored.scores[..<count])
                            try self.checkFinite(main, requestId: requestId)
                            var results = main.indices.map { k in
                                Self.result(
                                    main[k], index: origin[k], snapshot: scored.snapshot, tokens: texts[k].ids.count,
                                    truncated: texts[k].truncated)
                            }
                            var first = count
                            for (k, plan) in plans.enumerated() {
                                let occluded = scored.scores[first..<(first + plan.ids.count)]
                                first += plan.ids.count
                                results[k].explanation = plan.explanation(full: main[k], occluded: Array(occluded))
                            }
                            if withShadows {
                                self.tallyShadows(
                                    Array(scored.scores[(count + extra)...]), of: shadowed, results: results,
                                    snapshot: scored.snapshot)
                            }
                            for (k, position) in positions.enumerated() {
                                guard let hit = policy.review[position] else { continue }
                                results[k].decision = .review
                                results[k].policy = hit
                            }
                            self.offerSharedShadows(ids: ids, tasks: names, results: results)
                            self.record(results, scores: main, texts: parsed.texts)
                            let storing = DispatchTime.now().uptimeNanoseconds
                            self.metrics.stage("decide", from: formatting, to: storing)
                            try self.queueForReview(&results, scores: main, texts: parsed.texts)
                            let rendering = DispatchTime.now().uptimeNanoseconds
                            self.metrics.stage("store", from: storing, to: rendering)
                            let reply = render(merged(results))
                            self.metrics.stage("render", from: rendering)
                            return reply
                        })
                }
            }
        }
        do throws(InferenceEngineError) {
            try submit(!shadowed.isEmpty)
        } catch {
            throw Self.serviceError(error)
        }
    }

    /// Refuses scores that are not numbers: the request gets a 500 naming the expert (nothing is recorded or
    /// queued), the log an error line. Requests that do not touch that task are unaffected.
    func checkFinite(_ scores: [TaskScores], requestId: String) throws(ServiceError) {
        let bad = scores.filter { !$0.scores.allSatisfy(\.isFinite) }
        guard !bad.isEmpty else { return }
        let experts = Set(bad.map { "'\($0.task)' version \($0.version)" }).sorted()
        log.error(
            "an expert produced non-finite scores",
            metadata: [
                "request_id": "\(requestId)", "experts": "\(experts.joined(separator: ", "))",
            ])
        let task = bad[0].task
        throw .expertFailure(
            "the expert of task \(experts.joined(separator: ", ")) produced scores that are not numbers; its results "
                + "are withheld: roll it back (POST /v1/experts/\(task)/rollback) or upload a working one")
    }

    /// Counts the decisions (metrics and reject-rate windows) and appends them to the decisions log.
    func record(_ results: [ClassifyResult], scores: [TaskScores], texts: [String]) {
        let now = Clock.now()
        for s in scores {
            if let weight = s.sharedGateWeight, weight.isFinite {
                metrics.sharedGateWeight(task: s.task, weight: weight)
            }
        }
        for r in results {
            decisions.record(task: r.task, decision: r.decision.rawValue, now: now)
            metrics.decision(task: r.task, decision: r.decision)
            stores.decisionLog?.append(
                LoggedDecision(
                    at: now, task: r.task, expertVersion: r.expert.version, decision: r.decision.rawValue,
                    label: r.label,
                    score: Double(r.scores[r.label] ?? 0), textSHA256: FileDigest.sha256(Array(texts[r.index].utf8))))
        }
    }

    /// Stores review decisions (and a random `auditRate` share of automatic ones) durably, before the response
    /// acknowledges them, and sets their ids on the results. A random `sampleRate` share of all texts is marked
    /// sampled, whatever its decision (an automatic one is then queued as an audit item).
    func queueForReview(_ results: inout [ClassifyResult], scores: [TaskScores], texts: [String]) throws {
        var picked: [(Int, NewReviewItem)] = []
        for (k, r) in results.enumerated() {
            let sampled = sampler.uniform() < configuration.sampleRate
            let audit = r.decision.isAutomatic && (sampled || sampler.uniform() < configuration.auditRate)
            guard r.decision == .review || audit else { continue }
            let s = scores[k]
            picked.append(
                (
                    k,
                    NewReviewItem(
                        task: r.task, expertVersion: r.expert.version, text: texts[r.index], labels: s.labels,
                        scores: s.scores.map(Double.init), label: r.label, decision: r.decision.rawValue,
                        kind: audit ? .audit : .review, sampled: sampled)
                ))
        }
        let ids = try reviews.enqueue(picked.map(\.1), now: Clock.now())
        for ((k, item), id) in zip(picked, ids) {
            results[k].reviewId = id
            if item.kind == .audit { results[k].audit = true }
        }
    }

    static func result(_ s: TaskScores, index: Int, snapshot: ExpertSnapshot, tokens: Int, truncated: Bool)
        -> ClassifyResult
    {
        let expert = snapshot.tasks[s.task]
        let rule = expert?.decisionRule
        let top = s.top  // once per text: the label shown and the one the rule may decide
        // The enabled scene guard sends a text unlike the task's own texts to review, whatever its scores.
        let outOfScene = expert?.outOfScene(s.sceneScore) ?? false
        var result = ClassifyResult(
            index: index, task: s.task, label: s.labels[top],
            decision: outOfScene ? .review : rule?.decide(s.scores, top: top) ?? .review,
            scores: Dictionary(uniqueKeysWithValues: zip(s.labels, s.scores)),
            thresholds: rule?.calibration.thresholds ?? [:], expert: .init(task: s.task, version: s.version),
            tokens: tokens, truncated: truncated)
        if let settings = expert?.metadata.scene, let score = s.sceneScore {
            result.scene = .init(
                score: score, threshold: settings.threshold, enabled: settings.enabled,
                inScene: Double(score) >= settings.threshold)
        }
        return result
    }

    static func serviceError(_ error: InferenceEngineError) -> ServiceError {
        switch error {
        case .overloaded: .overloaded(error.description)
        case .stopped: .unavailable(error.description)
        case .unknownTask(let task, let known): .unknownTask(task, known: known)
        case .modelFailure: .unavailable(error.description)
        }
    }
}
