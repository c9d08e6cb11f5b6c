// New tasks from nothing (POST /v1/tasks) and self-evolution's routes: start a run, read and set the policy.

import Evolution
import Foundation
import MoELoRA
import ServiceStore

extension ModerationService {
    /// POST /v1/tasks: a new task whose expert has learnt nothing (every text goes to review); runs on the admin
    /// queue.
    func createTask(_ request: RouteRequest) throws -> Reply {
        let body = try JSONBody.object(request.http)
        guard let task = body["task"] as? String else {
            throw ServiceError.validation("give 'task', the new task's name")
        }
        if let problem = ExpertLimits.problem(taskName: task) { throw ServiceError.validation(problem) }
        guard let labels = body["labels"] as? [String], (2...ExpertLimits.maxLabels).contains(labels.count),
            Set(labels).count == labels.count,
            labels.allSatisfy({ !$0.isEmpty && $0.utf8.count <= ExpertLimits.maxNameBytes })
        else {
            throw ServiceError.validation(
                "'labels' must be 2 to \(ExpertLimits.maxLabels) distinct, non-empty names of at most "
                    + "\(ExpertLimits.maxNameBytes) bytes")
        }
        var compliant: String?
        if let raw = body["compliant_label"] {
            guard let name = raw as? String, labels.contains(name) else {
                throw ServiceError.validation("'compliant_label' must be one of the labels \(labels)")
            }
            compliant = name
        }
        let target = try JSONField.targetPrecision(body, fallback: 0.9)
        let snapshot = engine.snapshot
        guard snapshot.tasks[task] == nil else {
            throw ServiceError.conflict("task '\(task)' exists; DELETE /v1/experts/\(task) first to start it anew")
        }
        // Versions keep rising across a deletion, so items of the deleted namesake stay apart.
        let earlier = try stores.registry.history(task: task).map(\.version) + [admin.bundle?.tasks[task]?.version ?? 0]
        let version = (earlier.max() ?? 0) + 1
        let expert = TaskExpert.untrained(
            name: task, labels: labels, compliantLabel: compliant, base: snapshot.base,
            rank: snapshot.shared.expert.rank, alpha: snapshot.shared.expert.alpha, targetPrecision: target,
            seed: UInt64.random(in: 1...UInt64.max), version: version)
        _ = try admin.install(expert, bytes: try ExpertFile.serialized(expert))
        try stores.evolution.created(task: task, firstVersion: version, now: Clock.now())
        return .json(
            CreatedTask(
                task: task, version: version, labels: labels, compliantLabel: compliant, targetPrecision: target),
            status: 201)
    }

    /// POST /v1/tasks/{task}/evolve: starts a run (202 with its id; 409 while one runs).
    func evolve(_ request: RouteRequest) throws -> Reply {
        let task = request.parameter("task")
        let snapshot = engine.snapshot
        guard let expert = snapshot.tasks[task] else { throw ServiceError.unknownTask(task, known: snapshot.taskNames) }
        let body = request.http.body.isEmpty ? [:] : try JSONBody.object(request.http)
        var mode: EvolutionMode?
        if let raw = body["mode"] {
            guard let name = raw as? String, let m = EvolutionMode(rawValue: name) else {
                throw ServiceError.validation("'mode' must be task or shared")
            }
            mode = m
        }
        let run = try evolver.start(task: task, version: expert.version, trigger: "api", mode: mode)
        return .json(RunBody(run), status: 202)
    }

    /// GET /v1/tasks/{task}/evolution: the policy, the active run and the history, newest first.
    func evolution(_ request: RouteRequest) throws -> Reply {
        let task = request.parameter("task")
        let snapshot = engine.snapshot
        guard snapshot.tasks[task] != nil else { throw ServiceError.unknownTask(task, known: snapshot.taskNames) }
        try evolver.worker.recover()
        let runs = try stores.evolution.runs(task: task)
        return .json(
            EvolutionBody(
                task: task, policy: try evolver.policy(task: task), current: runs.first { $0.status.isActive },
                runs: runs))
    }

    /// PUT /v1/tasks/{task}/evolution: replaces the fields of the policy the body names.
    func setEvolutionPolicy(_ request: RouteRequest) throws -> Reply {
        let task = request.parameter("task")
        let snapshot = engine.snapshot
        guard snapshot.tasks[task] != nil else { throw ServiceError.unknownTask(task, known: snapshot.taskNames) }
        let body = try JSONBody.object(request.http)
        let known: Set = [
            "auto", "every", "min_verdicts", "margin", "mode", "target_precision", "confidence", "hold_out", "epochs",
            "shadow_verdicts", "shadow_hours", "alarm_response", "alarm_window", "original_data",
            "precision_scope",
        ]
        if let unknown = body.keys.sorted().first(where: { !known.contains($0) }) {
            throw ServiceError.validation("'\(unknown)' is not a policy field (fields: \(known.sorted()))")
        }
        if let null = body.keys.sorted().first(where: { body[$0] is NSNull }) {
            throw ServiceError.validation("'\(null)' cannot be null; leave it out to keep its value")
        }
        let current = try evolver.policy(task: task)
        var merged = try JSONSerialization.jsonObject(with: JSONEncoder().encode(current)) as? [String: Any] ?? [:]
        for (key, value) in body { merged[key] = value }
        let policy: EvolutionPolicy
        do {
            policy = try JSONDecoder().decode(
                EvolutionPolicy.self, from: JSONSerialization.data(withJSONObject: merged))
        } catch {
            throw ServiceError.validation(
                "the policy's fields have the wrong types: auto and original_data are booleans, mode is task or shared, "
                    + "alarm_response is auto, alert, tighten or rollback, precision_scope is decisions or label, the "
                    + "rest are numbers")
        }
        if let problem = policy.problem { throw ServiceError.validation(problem) }
        let json = String(decoding: try JSONEncoder().encode(policy), as: UTF8.self)
        try stores.evolution.setPolicy(task: task, json: json, now: Clock.now())
        return .json(policy)
    }
}

/// The body of POST /v1/tasks.
struct CreatedTask: Encodable {
    let task: String
    let version: Int
    let labels: [String]
    let compliantLabel: String?
    let targetPrecision: Double

    enum CodingKeys: String, CodingKey {
        case task, version, labels, compliantLabel = "compliant_label", targetPrecision = "target_precision"
    }
}

/// The body of GET /v1/tasks/{task}/evolution.
struct EvolutionBody: Encodable {
    let task: String
    let policy: EvolutionPolicy
    let current: RunBody?
    let runs: [RunBody]

    init(task: String, policy: EvolutionPolicy, current: EvolutionRun?, runs: [EvolutionRun]) {
        self.task = task
        self.policy = policy
        self.current = current.map(RunBody.init)
        self.runs = runs.map(RunBody.init)
    }
}

/// A run as the API shows it: its stored fields, with the measures as an object.
struct RunBody: Encodable {
    let run: EvolutionRun
    let metrics: RunMetrics?

    init(_ run: EvolutionRun) {
        self.run = run
        metrics = run.metrics.flatMap { try? JSONDecoder().decode(RunMetrics.self, from: Data($0.utf8)) }
    }

    enum CodingKeys: String, CodingKey {
        case id, task, mode, trigger, status, verdicts, reasons, metrics
        case parentVersion = "parent_version", candidateVersion = "candidate_version", startedAt = "started_at"
        case finishedAt = "finished_at", shadow
    }

    /// The shadow phase's tallies on live traffic.
    struct ShadowTallies: Encodable {
        let texts: Int
        let wouldDecide: Int
        let agreed: Int
        enum CodingKeys: String, CodingKey { case texts, agreed, wouldDecide = "would_decide" }
    }

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(run.id, forKey: .id)
        try c.encode(run.task, forKey: .task)
        try c.encode(run.mode, forKey: .mode)
        try c.encode(run.trigger, forKey: .trigger)
        try c.encode(run.status, forKey: .status)
        try c.encode(run.verdicts, forKey: .verdicts)
        try c.encode(run.reasons, forKey: .reasons)
        try c.encode(run.parentVersion, forKey: .parentVersion)
        try c.encodeIfPresent(run.candidateVersion, forKey: .candidateVersion)
        try c.encode(run.startedAt, forKey: .startedAt)
        try c.encodeIfPresent(run.finishedAt, forKey: .finishedAt)
        try c.encodeIfPresent(metrics, forKey: .metrics)
        if run.status == .shadow || run.shadowTexts > 0 {
            try c.encode(
                ShadowTallies(texts: run.shadowTexts, wouldDecide: run.shadowAutomatic, agreed: run.shadowAgreed),
                forKey: .shadow)
        }
    }
}
