// The service's metrics, created once at start-up with fixed label sets (route templates and task names, never
// raw paths or ids), rendered as Prometheus text.

import Foundation
import HTTPCore
import InferenceEngine
import Moderation

/// Counters and histograms updated by the service and the engine.
public final class ServiceMetrics: Sendable {
    private let requests = LockedBox<[RequestKey: Int]>([:])
    private let requestDurations = LockedBox<[String: Histogram]>([:])
    private let decisions = LockedBox<[DecisionKey: Int]>([:])
    private let expertLoads = LockedBox<[String: Int]>([:])
    /// Per task: the shared expert's gate weight, exponentially weighted over about the last 100 texts.
    private let sharedGate = LockedBox<[String: Double]>([:])
    /// The expert registry generation this replica serves (nil until the first catch-up).
    private let registryGeneration = LockedBox<Int64?>(nil)
    let batchSize = Histogram(buckets: Histogram.sizes)
    let inferenceDuration = Histogram(buckets: Histogram.seconds)

    struct RequestKey: Hashable { let route: String, code: Int }
    struct DecisionKey: Hashable { let task: String, decision: String }

    public init() {}

    /// One answered request: its route template (or "unmatched"), status and seconds.
    func request(route: String, code: Int, seconds: Double) {
        requests.withLock { $0[RequestKey(route: route, code: code), default: 0] += 1 }
        let histogram = requestDurations.withLock { h in
            if let existing = h[route] { return existing }
            let created = Histogram(buckets: Histogram.seconds)
            h[route] = created
            return created
        }
        histogram.observe(seconds)
    }

    func decision(task: String, decision: Decision) {
        decisions.withLock { $0[DecisionKey(task: task, decision: decision.rawValue), default: 0] += 1 }
    }

    /// One text's mean shared-expert gate weight under `task`.
    func sharedGateWeight(task: String, weight: Float) {
        sharedGate.withLock { $0[task] = $0[task].map { 0.99 * $0 + 0.01 * Double(weight) } ?? Double(weight) }
    }

    /// Counts an expert load attempt by result (ok, invalid, ...).
    public func expertLoad(result: String) { expertLoads.withLock { $0[result, default: 0] += 1 } }

    /// The registry generation the snapshot caught up with.
    func registryGeneration(_ generation: Int64) { registryGeneration.withLock { $0 = generation } }

    /// The engine's per-batch report.
    public func batch(_ report: BatchReport) {
        batchSize.observe(Double(report.sequences))
        inferenceDuration.observe(report.seconds)
    }

    /// Counter and histogram families as exposition lines.
    func lines() -> [String] {
        var out = PrometheusText.header("moecl_requests_total", "counter", "HTTP requests by route template and status code.")
        for (key, n) in requests.withLock({ $0 }).sorted(by: { ($0.key.route, $0.key.code) < ($1.key.route, $1.key.code) }) {
            out.append("moecl_requests_total{\(PrometheusText.labels([("route", key.route), ("code", String(key.code))]))} \(n)")
        }
        out += PrometheusText.header("moecl_request_duration_seconds", "histogram", "Time from a parsed request to its response.")
        for (route, h) in requestDurations.withLock({ $0 }).sorted(by: { $0.key < $1.key }) {
            out += h.lines("moecl_request_duration_seconds", labels: PrometheusText.labels([("route", route)]))
        }
        out += PrometheusText.header("moecl_decisions_total", "counter", "Classified texts by task and decision.")
        for (key, n) in decisions.withLock({ $0 }).sorted(by: { ($0.key.task, $0.key.decision) < ($1.key.task, $1.key.decision) }) {
            out.append("moecl_decisions_total{\(PrometheusText.labels([("task", key.task), ("decision", key.decision)]))} \(n)")
        }
        out += PrometheusText.header("moecl_expert_loads_total", "counter", "Expert load attempts by result.")
        for (result, n) in expertLoads.withLock({ $0 }).sorted(by: { $0.key < $1.key }) {
            out.append("moecl_expert_loads_total{\(PrometheusText.labels([("result", result)]))} \(n)")
        }
        if let generation = registryGeneration.withLock({ $0 }) {
            out += PrometheusText.header("moecl_registry_generation", "gauge",
                                         "Expert registry generation this replica serves; replicas that differ for long are not catching up.")
            out.append("moecl_registry_generation \(generation)")
        }
        out += PrometheusText.header("moecl_gate_shared_weight", "gauge",
                                     "Shared expert's mean gate weight over tokens and layers, by task (weighted over about the last 100 texts).")
        for (task, weight) in sharedGate.withLock({ $0 }).sorted(by: { $0.key < $1.key }) {
            out.append("moecl_gate_shared_weight{\(PrometheusText.labels([("task", task)]))} \(PrometheusText.number(weight))")
        }
        out += PrometheusText.header("moecl_batch_size", "histogram", "Sequences per inference batch.")
        out += batchSize.lines("moecl_batch_size", labels: "")
        out += PrometheusText.header("moecl_inference_duration_seconds", "histogram", "Model time per inference batch.")
        out += inferenceDuration.lines("moecl_inference_duration_seconds", labels: "")
        return out
    }
}
