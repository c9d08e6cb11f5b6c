// GET /metrics: the counters and histograms, plus gauges read at scrape time (experts, reject rates, queues).

import Foundation
import HTTPCore
import TensorCore

extension ModerationService {
    /// Brings the scrape-time gauges up to date, then answers the exposition. A store that cannot be read
    /// leaves its gauges as they were (the scrape still succeeds).
    func metricsReply() -> Reply {
        let snapshot = engine.snapshot
        metrics.replaceGauges(
            "moecl_experts_loaded",
            snapshot.taskNames.map { name in
                ([("task", name), ("version", String(snapshot.tasks[name]?.version ?? 0))], 1)
            })
        metrics.setGauge("moecl_inference_queue_depth", [], Double(engine.queueDepth))
        metrics.replaceGauges(
            "moecl_kernel_path", [([("path", KernelPath.active.rawValue), ("precision", basePrecision.rawValue)], 1)])
        let now = Clock.now()
        var rates: [([(String, String)], Double)] = []
        var readable = true
        for window in ["5m", "1h", "24h"] {
            guard let seconds = try? WindowCounts.seconds(window),
                let counts = try? decisions.counts(lastSeconds: seconds, now: now)
            else {
                readable = false
                break
            }
            for name in snapshot.taskNames {
                if let rate = WindowCounts(counts[name] ?? [:]).rejectRate {
                    rates.append(([("task", name), ("window", window)], rate))
                }
            }
        }
        if readable { metrics.replaceGauges("moecl_reject_rate", rates) }
        if let queues = try? reviews.stats(now: now) {
            var depth = Dictionary(uniqueKeysWithValues: snapshot.taskNames.map { ($0, 0) })  // loaded tasks show 0
            for q in queues { depth[q.task, default: 0] += q.open + q.leased }
            metrics.replaceGauges("moecl_review_queue_depth", depth.map { ([("task", $0.key)], Double($0.value)) })
        }
        if let pace = try? reviews.pace(now: now) {
            metrics.replaceGauges(
                "moecl_review_oldest_age_seconds",
                pace.compactMap { p in p.oldestOpenAge.map { ([("task", p.task)], $0) } })
            metrics.replaceGauges(
                "moecl_verdicts_last_hour", pace.map { ([("task", $0.task)], Double($0.verdictsLastHour)) })
        }
        var alarms: [([(String, String)], Double)] = [], bounds: [([(String, String)], Double)] = []
        for (task, expert) in snapshot.tasks {
            guard let watch = try? alarm.reading(of: expert) else { continue }
            alarms.append(([("task", task)], watch.alarm ? 1 : 0))
            guard watch.audited > 0 else { continue }
            bounds.append(([("task", task), ("bound", "lower")], watch.lower))
            bounds.append(([("task", task), ("bound", "upper")], watch.upper))
        }
        metrics.replaceGauges("moecl_precision_alarm", alarms)
        metrics.replaceGauges("moecl_audit_precision_bound", bounds)
        if let runs = try? stores.evolution.statusCounts() {
            metrics.replaceGauges(
                "moecl_evolution_runs", runs.map { ([("task", $0.task), ("status", $0.status)], Double($0.count)) })
        }
        return .raw(
            HTTPResponse(
                status: 200, headers: HTTPHeaders([("Content-Type", "text/plain; version=0.0.4; charset=utf-8")]),
                body: metrics.exposition()))
    }
}

extension ModerationService {
    /// The arithmetic of the served base's projections (int8 only on a BERT base loaded with `--precision int8`).
    var basePrecision: Precision { engine.snapshot.base.encoder?.precision ?? .fp32 }
}
