// The service's metrics through swift-metrics, on a swift-prometheus registry of its own: label sets are route
// templates and task names, never raw paths or ids.

import CoreMetrics
import Evolution
import Foundation
import HTTPCore
import InferenceEngine
import Moderation
import Prometheus

/// Counters, histograms and gauges updated by the service and the engine, exposed as Prometheus text by
/// `exposition()`. Each instance has its own registry (no process-wide bootstrap), so several services in one
/// process (tests) keep separate counts.
public final class ServiceMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    let factory: PrometheusMetricsFactory
    private let counters = LockedBox<[SeriesKey: CoreMetrics.Counter]>([:])
    private let timers = LockedBox<[SeriesKey: CoreMetrics.Timer]>([:])
    /// Gauges by family, with the label sets set at the last update (stale ones are destroyed).
    private let gauges = LockedBox<[SeriesKey: CoreMetrics.Gauge]>([:])
    /// Per task: the shared expert's gate weight, exponentially weighted over about the last 100 texts.
    private let sharedGate = LockedBox<[String: Double]>([:])
    let batchSize: CoreMetrics.Recorder
    let inferenceDuration: CoreMetrics.Timer

    /// A metric name with its labels in order.
    struct SeriesKey: Hashable {
        let name: String
        let labels: [String]
        var dimensions: [(String, String)] {
            stride(from: 0, to: labels.count, by: 2).map { (labels[$0], labels[$0 + 1]) }
        }

        init(_ name: String, _ dimensions: [(String, String)] = []) {
            self.name = name
            labels = dimensions.flatMap { [$0.0, $0.1] }
        }
    }

    static let seconds: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
    static let sizes: [Double] = [1, 2, 4, 8, 16, 32, 64, 128, 256]

    public init() {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = Self.seconds.map { .nanoseconds(Int64($0 * 1e9)) }
        factory.valueHistogramBuckets = ["moecl_batch_size": Self.sizes]
        self.factory = factory
        batchSize = CoreMetrics.Recorder(label: "moecl_batch_size", dimensions: [], aggregate: true, factory: factory)
        inferenceDuration = CoreMetrics.Timer(
            label: "moecl_inference_duration_seconds", dimensions: [], factory: factory)
        // Known label values start at 0, so their series exist before the first event.
        for result in ExpertLoadResult.allCases {
            _ = counter("moecl_expert_loads_total", [("result", result.rawValue)])
        }
    }

    private func counter(_ name: String, _ dimensions: [(String, String)]) -> CoreMetrics.Counter {
        Self.series(counters, name, dimensions) { CoreMetrics.Counter(label: $0, dimensions: $1, factory: factory) }
    }

    private func timer(_ name: String, _ dimensions: [(String, String)]) -> CoreMetrics.Timer {
        Self.series(timers, name, dimensions) { CoreMetrics.Timer(label: $0, dimensions: $1, factory: factory) }
    }

    /// The metric of `name` and `dimensions` from `cache`, made by `make` the first time.
    private static func series<Metric>(
        _ cache: LockedBox<[SeriesKey: Metric]>, _ name: String, _ dimensions: [(String, String)],
        make: (String, [(String, String)]) -> Metric
    ) -> Metric {
        let key = SeriesKey(name, dimensions)
        return cache.withLock { metrics in
            if let existing = metrics[key] { return existing }
            let created = make(name, dimensions)
            metrics[key] = created
            return created
        }
    }

    /// One answered request: its route template (or "unmatched"), status and seconds.
    func request(route: String, status: HTTPStatus, seconds: Double) {
        counter("moecl_requests_total", [("route", route), ("code", String(status.code))]).increment()
        timer("moecl_request_duration_seconds", [("route", route)]).recordNanoseconds(Int64(seconds * 1e9))
    }

    /// One stage of a classify or moderations request (`moecl_request_stage_seconds`), from monotonic nanoseconds.
    func stage(_ name: String, from start: UInt64, to end: UInt64 = DispatchTime.now().uptimeNanoseconds) {
        timer("moecl_request_stage_seconds", [("stage", name)]).recordNanoseconds(Int64(end &- start))
    }

    /// A policy list entry matched a text of `task` (`moecl_policy_hits_total`).
    func policyHit(task: String, action: PolicyEntry.Action) {
        counter("moecl_policy_hits_total", [("task", task), ("action", action.rawValue)]).increment()
    }

    func decision(task: String, decision: Decision) {
        counter("moecl_decisions_total", [("task", task), ("decision", decision.rawValue)]).increment()
    }

    /// One request's shadow tallies of `task`'s candidate: texts scored, would-be automatic decisions, agreements.
    func shadow(task: String, texts: Int, automatic: Int, agreed: Int) {
        counter("moecl_shadow_texts_total", [("task", task)]).increment(by: Int64(texts))
        counter("moecl_shadow_automatic_total", [("task", task)]).increment(by: Int64(automatic))
        counter("moecl_shadow_agreed_total", [("task", task)]).increment(by: Int64(agreed))
    }

    /// Texts of `task` a shared-mode shadow did not score because too many were waiting.
    func shadowSkipped(task: String, texts: Int) {
        counter("moecl_shadow_skipped_total", [("task", task)]).increment(by: Int64(texts))
    }

    /// One automatic answer to `task`'s precision alarm.
    func alarmResponse(task: String, response: AlarmResponse) {
        counter("moecl_precision_alarm_responses_total", [("task", task), ("response", response.rawValue)]).increment()
    }

    /// One text's mean shared-expert gate weight under `task`.
    func sharedGateWeight(task: String, weight: Float) {
        let mean = sharedGate.withLock { state in
            let next = state[task].map { 0.99 * $0 + 0.01 * Double(weight) } ?? Double(weight)
            state[task] = next
            return next
        }
        setGauge("moecl_gate_shared_weight", [("task", task)], mean)
    }

    /// Counts an expert load attempt by result.
    func expertLoad(result: ExpertLoadResult) {
        counter("moecl_expert_loads_total", [("result", result.rawValue)]).increment()
    }

    /// The registry generation the snapshot caught up with.
    func registryGeneration(_ generation: Int64) {
        setGauge("moecl_registry_generation", [], Double(generation))
    }

    /// The engine's per-batch report.
    public func batch(_ report: BatchReport) {
        batchSize.record(Double(report.sequences))
        inferenceDuration.recordNanoseconds(Int64(report.seconds * 1e9))
    }

    func setGauge(_ name: String, _ dimensions: [(String, String)], _ value: Double) {
        Self.series(gauges, name, dimensions) { CoreMetrics.Gauge(label: $0, dimensions: $1, factory: factory) }
            .record(value)
    }

    /// Sets the family `name` to exactly `series` (labels → value): label sets not among them are removed, so a
    /// deleted task or an old version leaves no stale series.
    func replaceGauges(_ name: String, _ series: [([(String, String)], Double)]) {
        let keep = Set(series.map { SeriesKey(name, $0.0) })
        let stale = gauges.withLock { cache -> [CoreMetrics.Gauge] in
            let old = cache.filter { $0.key.name == name && !keep.contains($0.key) }
            for key in old.keys { cache[key] = nil }
            return Array(old.values)
        }
        for gauge in stale { gauge.destroy() }
        for (dimensions, value) in series { setGauge(name, dimensions, value) }
    }

    /// The Prometheus text exposition (format 0.0.4) of every series, with the families' help text.
    func exposition() -> [UInt8] {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return Array(MetricFamily.annotate(String(decoding: buffer, as: UTF8.self)).utf8)
    }
}
