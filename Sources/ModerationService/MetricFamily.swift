// Every metric family of /metrics with its type and help text, declared once.

/// A family of the exposition. swift-metrics carries no help text and swift-prometheus writes a family only
/// once it has a series, so `ServiceMetrics.exposition` adds each family's `# HELP` line, and the `# TYPE`
/// line of a family that has no series yet (a scraper then knows it before the first event).
struct MetricFamily: Sendable {
    let name: String
    let type: String
    let help: String

    static let all: [MetricFamily] = [
        MetricFamily(
            name: "moecl_requests_total", type: "counter", help: "HTTP requests by route template and status code."),
        MetricFamily(
            name: "moecl_request_duration_seconds", type: "histogram",
            help: "Time from a parsed request to its response."),
        MetricFamily(name: "moecl_decisions_total", type: "counter", help: "Classified texts by task and decision."),
        MetricFamily(name: "moecl_expert_loads_total", type: "counter", help: "Expert load attempts by result."),
        MetricFamily(
            name: "moecl_registry_generation", type: "gauge",
            help: "Expert registry generation this replica serves; replicas that differ for long are not catching up."),
        MetricFamily(
            name: "moecl_gate_shared_weight", type: "gauge",
            help:
                "Shared expert's mean gate weight over tokens and layers, by task "
                + "(weighted over about the last 100 texts)."
        ),
        MetricFamily(name: "moecl_batch_size", type: "histogram", help: "Sequences per inference batch."),
        MetricFamily(
            name: "moecl_inference_duration_seconds", type: "histogram", help: "Model time per inference batch."),
        MetricFamily(
            name: "moecl_experts_loaded", type: "gauge", help: "Loaded task experts (1 per task and version)."),
        MetricFamily(
            name: "moecl_request_stage_seconds", type: "histogram",
            help:
                "Where a classify or moderations request's time goes, by stage: parse (JSON body to request), tokenize, "
                + "engine (submitted to scored: queue wait and the model), handoff (worker to formatting thread), "
                + "decide (decisions, shadows, counts), store (review and audit items), render (response JSON)."),
        MetricFamily(name: "moecl_inference_queue_depth", type: "gauge", help: "Sequences waiting for the model."),
        MetricFamily(
            name: "moecl_kernel_path", type: "gauge",
            help:
                "1 for the path of moecl's own kernels this process runs (generic, avx2, avx512; chosen by CPUID) and "
                + "the base's precision (fp32, int8)."),
        MetricFamily(
            name: "moecl_reject_rate", type: "gauge",
            help: "Share of texts decided automatically, by task and window."),
        MetricFamily(
            name: "moecl_review_queue_depth", type: "gauge",
            help: "Review and audit items without a verdict, by task."),
        MetricFamily(
            name: "moecl_review_oldest_age_seconds", type: "gauge",
            help: "Seconds the oldest review or audit item without a verdict has waited, by task."),
        MetricFamily(
            name: "moecl_verdicts_last_hour", type: "gauge", help: "Verdicts recorded in the last hour, by task."),
        MetricFamily(
            name: "moecl_evolution_runs", type: "gauge",
            help: "Self-evolution runs by task and status (running, promoting, promoted, rejected, failed), from the "
                + "shared database."),
        MetricFamily(
            name: "moecl_shadow_texts_total", type: "counter",
            help: "Texts a shadowing candidate scored beside the served expert, by task."),
        MetricFamily(
            name: "moecl_shadow_automatic_total", type: "counter",
            help: "Of those, texts the candidate would have decided automatically, by task."),
        MetricFamily(
            name: "moecl_shadow_agreed_total", type: "counter",
            help: "Of those, texts where the candidate's decision and label equal the served answer, by task."),
        MetricFamily(
            name: "moecl_shadow_skipped_total", type: "counter",
            help: "Texts a shared-mode shadowing candidate did not score because too many were waiting, by task."),
        MetricFamily(
            name: "moecl_precision_alarm", type: "gauge",
            help: "1 while the audits show, at the policy's confidence, that the served version's precision is below "
                + "its target, else 0, by task."),
        MetricFamily(
            name: "moecl_audit_precision_bound", type: "gauge",
            help: "Clopper-Pearson bounds (bound=lower|upper) of the served version's precision on its newest audits, "
                + "by task."),
        MetricFamily(
            name: "moecl_precision_alarm_responses_total", type: "counter",
            help: "Automatic answers to a precision alarm, by task and response (tighten, rollback)."),
    ]

    /// `text` (the library's exposition) with a `# HELP` line before each known family's `# TYPE` line, and
    /// the `# HELP` and `# TYPE` lines of known families without series appended.
    static func annotate(_ text: String) -> String {
        let byName = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })
        var out = "", seen: Set<String> = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            if line.hasPrefix("# TYPE ") {
                let name = String(line.dropFirst(7).prefix { $0 != " " })
                seen.insert(name)
                if let family = byName[name] { out += "# HELP \(name) \(family.help)\n" }
            }
            out += line + "\n"
        }
        for family in all where !seen.contains(family.name) && family.name != "moecl_registry_generation" {
            out += "# HELP \(family.name) \(family.help)\n# TYPE \(family.name) \(family.type)\n"
        }
        return out
    }
}
