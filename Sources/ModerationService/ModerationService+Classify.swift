// POST /v1/classify: validate, tokenise, score through the engine, apply each expert's decision rule.

import Dispatch
import Foundation
import ModelFormats
import HTTPCore
import HTTPServer
import InferenceEngine
import MoELoRA
import Moderation
import ServiceStore

extension ModerationService {
    func classify(_ request: HTTPRequest, _ responder: HTTPResponder) {
        let parsed: ClassifyRequest
        do {
            let body = try JSONBody.object(request)
            parsed = try ClassifyRequest.parse(body, known: engine.snapshot.taskNames, limits: configuration)
        } catch {
            return responder.respond(error.response)
        }
        let requestId = request.headers["X-Request-Id"].flatMap { $0.isEmpty || $0.count > 128 ? nil : $0 }
            ?? UUID().uuidString.lowercased()
        score(parsed, responder) { results in JSONBody.response(ClassifyResponse(requestId: requestId, results: results)) }
    }

    /// Scores every (text, task) pair of `parsed` through the engine, records the decisions, queues review and
    /// audit items durably, and answers with `render(results)`.
    func score(_ parsed: ClassifyRequest, _ responder: HTTPResponder,
               render: @escaping @Sendable ([ClassifyResult]) -> HTTPResponse) {
        // Every (text, task) pair is one sequence; the text is tokenised once.
        var encoded: [(ids: [Int32], truncated: Bool)] = []
        for text in parsed.texts {
            let full = tokenizer.encode(text, truncate: false)
            let cut = full.count > tokenizer.maxLength
            encoded.append((cut ? tokenizer.encode(text, truncate: true) : full, cut))
        }
        var sequences: [[Int32]] = [], tasks: [String] = [], origins: [Int] = []
        for (i, e) in encoded.enumerated() {
            for task in parsed.tasks {
                sequences.append(e.ids)
                tasks.append(task)
                origins.append(i)
            }
        }
        let texts = encoded, origin = origins
        do {
            try engine.submit(sequences: sequences, tasks: tasks) { result in
                // Formatting leaves the worker thread at once: the worker only runs the model.
                DispatchQueue.global().async {
                    switch result {
                    case .success(let scored):
                        var results = zip(scored.scores, origin).map { scores, i in
                            Self.result(scores, index: i, snapshot: scored.snapshot, tokens: texts[i].ids.count,
                                        truncated: texts[i].truncated)
                        }
                        let now = Date().timeIntervalSince1970
                        for s in scored.scores {
                            if let weight = s.sharedGateWeight { self.metrics.sharedGateWeight(task: s.task, weight: weight) }
                        }
                        for r in results {
                            self.decisions?.record(task: r.task, decision: r.decision, now: now)
                            self.metrics.decision(task: r.task, decision: r.decision)
                            self.decisionLog?.append(LoggedDecision(
                                at: now, task: r.task, expertVersion: r.expert.version, decision: r.decision, label: r.label,
                                score: Double(r.scores[r.label] ?? 0), textSHA256: FileDigest.sha256(Array(parsed.texts[r.index].utf8))))
                        }
                        do {
                            try self.queueForReview(&results, scores: scored.scores, texts: parsed.texts)
                        } catch {
                            return responder.respond(ServiceError.unavailable("\(error)").response)
                        }
                        responder.respond(render(results))
                    case .failure(let error):
                        responder.respond(Self.serviceError(error).response)
                    }
                }
            }
        } catch {
            responder.respond(Self.serviceError(error).response)
        }
    }

    /// Stores review decisions (and a random `auditRate` share of automatic ones) durably, before the response
    /// acknowledges them, and sets their ids on the results.
    func queueForReview(_ results: inout [ClassifyResult], scores: [TaskScores], texts: [String]) throws {
        guard let reviews else { return }
        var picked: [(Int, NewReviewItem)] = []
        for (k, r) in results.enumerated() {
            let audit = r.decision != Decision.review.rawValue && Double.random(in: 0..<1) < configuration.auditRate
            guard r.decision == Decision.review.rawValue || audit else { continue }
            let s = scores[k]
            picked.append((k, NewReviewItem(task: r.task, expertVersion: r.expert.version, text: texts[r.index], labels: s.labels,
                                            scores: s.scores.map(Double.init), label: r.label, decision: r.decision,
                                            kind: audit ? .audit : .review)))
        }
        let ids = try reviews.enqueue(picked.map(\.1), now: Date().timeIntervalSince1970)
        for ((k, item), id) in zip(picked, ids) {
            results[k].reviewId = id
            if item.kind == .audit { results[k].audit = true }
        }
    }

    static func result(_ s: TaskScores, index: Int, snapshot: ExpertSnapshot, tokens: Int, truncated: Bool) -> ClassifyResult {
        let rule = snapshot.tasks[s.task]?.decisionRule
        var top = 0
        for i in s.scores.indices where s.scores[i] > s.scores[top] { top = i }
        return ClassifyResult(
            index: index, task: s.task, label: s.labels[top], decision: (rule?.decide(s.scores) ?? .review).rawValue,
            scores: Dictionary(uniqueKeysWithValues: zip(s.labels, s.scores)),
            thresholds: rule?.calibration.thresholds ?? [:], expert: .init(task: s.task, version: s.version),
            tokens: tokens, truncated: truncated)
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
