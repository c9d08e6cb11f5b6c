// In-process: health, readiness, classification, the moderation-compatible route, the expert list, error
// answers and the metrics text, on a tiny random model.

import Foundation
import HTTPCore
import ModelFormats
import TestSupport
import TensorCore
import Testing

@Suite("Service: classify, moderations, experts, metrics")
struct ClassifyRoutesTests {
    @Test func servesHealthClassificationExpertsAndErrors() throws {
        let service = try ServiceHarness(maxTexts: 4)
        defer { service.remove() }
        #expect(service.request("GET", "/healthz")?.status == 200)
        #expect(service.request("GET", "/readyz")?.status == 200)
        #expect(service.request("HEAD", "/healthz")?.status == 200)
        let tasks = try service.tiny.snapshot().taskNames
        // One text, one task; the client's request id is echoed.
        let (status, single) = try service.json(
            "POST", "/v1/classify", "{\"task\": \"\(tasks[0])\", \"text\": \"hello world\"}",
            headers: [("X-Request-Id", "abc-1")])
        #expect(status == 200 && single["request_id"] as? String == "abc-1")
        let results = try #require(single["results"] as? [[String: Any]])
        #expect(results.count == 1 && results[0]["task"] as? String == tasks[0])
        let scores = try #require(results[0]["scores"] as? [String: Double])
        #expect(abs(scores.values.reduce(0, +) - 1) < 1e-4)
        #expect(["white", "black", "auto", "review"].contains(results[0]["decision"] as? String ?? ""))
        // A batch of texts, and one text under every task.
        let (_, batch) = try service.json(
            "POST", "/v1/classify", "{\"task\": \"\(tasks[1])\", \"texts\": [\"a\", \"b c\", \"\"]}")
        #expect((batch["results"] as? [[String: Any]])?.compactMap { $0["index"] as? Int } == [0, 1, 2])
        let (_, all) = try service.json("POST", "/v1/classify", "{\"task\": \"*\", \"text\": \"x y\"}")
        #expect(Set((all["results"] as? [[String: Any]])?.compactMap { $0["task"] as? String } ?? []) == Set(tasks))
        // The moderation-compatible endpoint: every input under every moderation task (not the topic task).
        let (modStatus, moderated) = try service.json(
            "POST", "/v1/moderations", "{\"input\": [\"a\", \"b c\"], \"model\": \"x\"}")
        let entries = try #require(moderated["results"] as? [[String: Any]])
        #expect(modStatus == 200 && entries.count == 2 && (moderated["id"] as? String)?.hasPrefix("modr-") == true)
        for entry in entries {
            let categories = try #require(entry["categories"] as? [String: Bool])
            let categoryScores = try #require(entry["category_scores"] as? [String: Double])
            #expect(Set(categories.keys) == ["spam", "hate"] && Set(categoryScores.keys) == ["spam", "hate"])
            #expect(categoryScores.values.allSatisfy { $0 >= 0 && $0 <= 1 })
            #expect(entry["flagged"] as? Bool == categories.values.contains(true))
            let decisions = try #require(entry["category_decisions"] as? [String: String])
            #expect(decisions.values.allSatisfy { ["white", "black", "review"].contains($0) })
        }
        #expect(service.request("POST", "/v1/moderations", body: "{\"input\": 3}")?.status == 422)
        #expect(
            service.request("POST", "/v1/moderations", body: "{\"input\": \"a\", \"tasks\": [\"nope\"]}")?.status == 404
        )
        let (_, experts) = try service.json("GET", "/v1/experts")
        let listed = try #require(experts["tasks"] as? [[String: Any]])
        #expect(listed.count == tasks.count && experts["base_fingerprint"] as? String == service.tiny.base.fingerprint)
        for entry in listed {
            #expect((entry["sha256"] as? String)?.count == 64, "\(entry)")
            #expect(abs((entry["loaded_at"] as? Double ?? 0) - Date().timeIntervalSince1970) < 600)
        }
        // Bad input: the right status and a JSON error.
        let cases: [(HTTPMethod, String, String?, [UInt8]?, HTTPStatus, String)] = [
            ("POST", "/v1/classify", "{\"task\": ", nil, 400, "invalid_json"),
            (
                "POST", "/v1/classify", nil, Array("{\"task\": \"a\", \"text\": \"".utf8) + [0xFF, 0x22, 0x7D], 400,
                "invalid_utf8"
            ),
            ("POST", "/v1/classify", "{\"task\": \"nope\", \"text\": \"x\"}", nil, 404, "unknown_task"),
            (
                "POST", "/v1/classify", "{\"task\": \"\(tasks[0])\", \"texts\": [\"1\", \"2\", \"3\", \"4\", \"5\"]}",
                nil, 422,
                "validation_failed"
            ),
            (
                "POST", "/v1/classify", "{\"tasks\": [\"spam\", \"hate\"], \"texts\": [\"1\", \"2\"]}", nil, 422,
                "validation_failed"
            ),
            ("POST", "/v1/classify", "{\"task\": \"spam\", \"text\": 3}", nil, 422, "validation_failed"),
            ("POST", "/v1/classify", "[1, 2]", nil, 400, "invalid_json"),
            ("GET", "/v1/nothing", nil, nil, 404, "not_found"),
            ("DELETE", "/v1/classify", nil, nil, 405, "method_not_allowed"),
        ]
        for (method, path, body, raw, expected, code) in cases {
            let r = service.request(method, path, body: body, raw: raw)
            #expect(
                r?.status == expected && r?.body.contains("\"code\":\"\(code)\"") == true,
                "\(method) \(path) \(body ?? "raw")")
        }
        #expect(service.request("DELETE", "/v1/classify")?.headers["Allow"] == "POST")
        let wrongType = service.request("POST", "/v1/classify", body: "{}", headers: [("Content-Type", "text/csv")])
        #expect(wrongType?.status == 415)
    }

    @Test func metricsAreWellFormedPrometheusTextWithRouteTemplates() throws {
        let service = try ServiceHarness()
        defer { service.remove() }
        let tasks = try service.tiny.snapshot().taskNames
        // Before any event every family is announced, with its help text.
        let first = try #require(service.request("GET", "/metrics")).body
        for family in [
            "moecl_requests_total", "moecl_decisions_total", "moecl_reject_rate", "moecl_gate_shared_weight",
            "moecl_review_queue_depth", "moecl_expert_loads_total", "moecl_batch_size",
        ] {
            #expect(first.contains("# TYPE \(family) ") && first.contains("# HELP \(family) "), "\(family)")
        }
        for _ in 0..<3 { _ = service.request("POST", "/v1/classify", body: "{\"task\": \"spam\", \"text\": \"x\"}") }
        _ = service.request("POST", "/v1/moderations", body: "{\"input\": \"a\"}")
        _ = service.request("GET", "/v1/nothing")
        _ = service.request("DELETE", "/v1/experts/%2e%2e")
        let metrics = try #require(service.request("GET", "/metrics"))
        #expect(metrics.status == 200 && metrics.headers["Content-Type"]?.hasPrefix("text/plain") == true)
        let sample = try Regex(
            #"^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*""#
                + #"(,[a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*")*\})? (-?[0-9.eE+-]+|NaN|\+Inf)$"#
        )
        for line in metrics.body.split(separator: "\n") where !line.hasPrefix("#") {
            #expect(line.wholeMatch(of: sample) != nil, "bad sample line: \(line)")
        }
        let samples = PrometheusSamples(metrics.body)
        #expect(samples.value("moecl_requests_total", ["route": "/v1/classify", "code": "200"]) == 3)
        #expect(samples.value("moecl_requests_total", ["route": "/metrics", "code": "200"]) == 1)
        #expect(samples.value("moecl_requests_total", ["route": "/v1/moderations", "code": "200"]) == 1)
        #expect(samples.value("moecl_requests_total", ["route": "unmatched", "code": "404"]) == 1)
        // the template, never the path
        #expect(samples.value("moecl_requests_total", ["route": "/v1/experts/{task}"]) != nil)
        #expect(samples.value("moecl_experts_loaded", ["task": tasks[0], "version": "1"]) == 1)
        #expect(samples.value("moecl_decisions_total", ["task": "spam", "decision": "review"]) == 4)
        #expect(samples.value("moecl_request_duration_seconds_count", ["route": "/v1/classify"]) == 3)
        #expect(samples.value("moecl_request_duration_seconds_bucket", ["route": "/v1/classify", "le": "+Inf"]) == 3)
        let gate = try #require(samples.value("moecl_gate_shared_weight", ["task": "spam"]))
        #expect(gate > 0 && gate <= 1)
        #expect((samples.value("moecl_batch_size_count") ?? 0) >= 4)
        #expect(
            samples.value("moecl_inference_duration_seconds_bucket", ["le": "+Inf"])
                == samples.value("moecl_batch_size_count"))
        #expect(samples.value("moecl_inference_queue_depth") == 0)
        #expect(samples.value("moecl_kernel_path", ["path": KernelPath.active.rawValue, "precision": "fp32"]) == 1)
        #expect(samples.value("moecl_review_queue_depth", ["task": "spam"]) == 4)
        #expect(samples.value("moecl_expert_loads_total", ["result": "invalid"]) == 0)
        #expect(metrics.body.contains("# TYPE moecl_request_duration_seconds histogram"))
        // Every stage of the 3 classify and 1 moderations requests is timed once per request.
        for stage in ["parse", "tokenize", "engine", "handoff", "decide", "store", "render"] {
            #expect(samples.value("moecl_request_stage_seconds_count", ["stage": stage]) == 4, "\(stage)")
        }
    }
}
