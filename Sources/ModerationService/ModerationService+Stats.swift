// GET /v1/stats and GET /v1/stats/reject-rate: decision counts and reject rates over rolling windows, review
// queue counts, and precision measured by audits.

import Evolution
import Foundation
import HTTPCore
import Moderation
import ServiceStore

extension ModerationService {
    /// GET /v1/stats/reject-rate?window=&task=: one window's counts, for one task or all.
    func rejectRate(_ request: RouteRequest) throws -> Reply {
        let query =
            try request.http.query.map { q throws(ServiceError) -> [String: String] in
                guard let parsed = PercentDecoding.query(q) else {
                    throw .validation("the query string has an invalid %-escape")
                }
                return parsed
            } ?? [:]
        let window = query["window"] ?? "1h"
        let seconds = try WindowCounts.seconds(window)
        let known = engine.snapshot.taskNames
        if let task = query["task"], !known.contains(task) { throw ServiceError.unknownTask(task, known: known) }
        let counts = try decisions.counts(lastSeconds: seconds, now: Clock.now())
        let tasks = query["task"].map { [$0] } ?? known
        var summed: [String: Int] = [:]
        for t in tasks { summed.merge(counts[t] ?? [:], uniquingKeysWith: +) }
        return .json(RejectRateBody(task: query["task"], window: window, counts: WindowCounts(summed)))
    }

    /// GET /v1/stats: every window's counts per task, the review queues and the audits' precision.
    func stats() throws -> Reply {
        let now = Clock.now()
        var windows: [String: [String: WindowCounts]] = [:]
        for window in WindowCounts.standardWindows {
            let counts = try decisions.counts(lastSeconds: try WindowCounts.seconds(window), now: now)
            windows[window] = counts.mapValues(WindowCounts.init)
        }
        let queues = try reviews.stats(now: now)
        var audits: [String: AuditPrecision] = [:]
        for q in queues where q.kind == ReviewItem.Kind.audit.rawValue {
            audits[q.task] = AuditPrecision(audited: q.decided, agreed: q.agreed)
        }
        var live: [String: LivePrecision] = [:]
        for (task, expert) in engine.snapshot.tasks {
            live[task] = LivePrecision(
                version: expert.version, response: try evolver.policy(task: task).alarmResponse,
                watch: try alarm.reading(of: expert))
        }
        return .json(StatsBody(windows: windows, review: queues, auditPrecision: audits, precisionAlarm: live))
    }
}

/// The body of GET /v1/stats.
struct StatsBody: Encodable {
    /// window → task → counts.
    let windows: [String: [String: WindowCounts]]
    let review: [ReviewStats]
    /// task → precision of automatic decisions measured by audited items (every version, all time).
    let auditPrecision: [String: AuditPrecision]
    /// task → the live precision of the version served, at its thresholds, and its alarm.
    let precisionAlarm: [String: LivePrecision]

    enum CodingKeys: String, CodingKey {
        case windows, review, auditPrecision = "audit_precision", precisionAlarm = "precision_alarm"
    }
}

/// A task's live precision: the version served, its `PrecisionWatch` and what an alarm does.
struct LivePrecision: Encodable {
    let version: Int
    let response: AlarmResponse
    let watch: PrecisionWatch

    func encode(to encoder: Encoder) throws {
        enum Keys: String, CodingKey { case version, response }
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(version, forKey: .version)
        try c.encode(response, forKey: .response)
        try watch.encode(to: encoder)
    }
}

/// How often humans agreed with audited automatic decisions.
struct AuditPrecision: Encodable {
    let audited: Int
    let agreed: Int
    var precision: Double? { audited == 0 ? nil : Double(agreed) / Double(audited) }

    enum CodingKeys: String, CodingKey { case audited, agreed, precision }

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(audited, forKey: .audited)
        try c.encode(agreed, forKey: .agreed)
        try c.encode(precision, forKey: .precision)
    }
}

/// The body of GET /v1/stats/reject-rate.
struct RejectRateBody: Encodable {
    let task: String?
    let window: String
    let counts: WindowCounts

    func encode(to encoder: Encoder) throws {
        enum Keys: String, CodingKey { case task, window, counts }
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(task ?? "*", forKey: .task)
        try c.encode(window, forKey: .window)
        try c.encode(counts, forKey: .counts)
    }
}
