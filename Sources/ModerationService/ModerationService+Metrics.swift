// GET /metrics: the counters and histograms plus gauges read at scrape time (experts, reject rates, queues).

import Foundation
import HTTPCore

extension ModerationService {
    func metricsReply() -> Reply {
        var lines = metrics.lines()
        let snapshot = engine.snapshot
        lines += PrometheusText.header("moecl_experts_loaded", "gauge", "Loaded task experts (1 per task and version).")
        for name in snapshot.taskNames {
            let version = snapshot.tasks[name]?.version ?? 0
            lines.append("moecl_experts_loaded{\(PrometheusText.labels([("task", name), ("version", String(version))]))} 1")
        }
        lines += PrometheusText.header("moecl_inference_queue_depth", "gauge", "Sequences waiting for the model.")
        lines.append("moecl_inference_queue_depth \(engine.queueDepth)")
        let now = Date().timeIntervalSince1970
        do {
            lines += PrometheusText.header("moecl_reject_rate", "gauge", "Share of texts decided automatically, by task and window.")
            for window in ["5m", "1h", "24h"] {
                let counts = (try? decisions.counts(lastSeconds: try WindowCounts.seconds(window), now: now)) ?? [:]
                for name in snapshot.taskNames {
                    guard let rate = WindowCounts(counts[name] ?? [:]).rejectRate else { continue }
                    lines.append("moecl_reject_rate{\(PrometheusText.labels([("task", name), ("window", window)]))} \(PrometheusText.number(rate))")
                }
            }
        }
        if let queues = try? reviews.stats(now: now) {
            lines += PrometheusText.header("moecl_review_queue_depth", "gauge", "Review and audit items without a verdict, by task.")
            var depth: [String: Int] = [:]
            for q in queues { depth[q.task, default: 0] += q.open + q.leased }
            for (task, n) in depth.sorted(by: { $0.key < $1.key }) {
                lines.append("moecl_review_queue_depth{\(PrometheusText.labels([("task", task)]))} \(n)")
            }
        }
        return .raw(HTTPResponse(status: 200, contentType: "text/plain; version=0.0.4; charset=utf-8", text: lines.joined(separator: "\n") + "\n"))
    }
}
