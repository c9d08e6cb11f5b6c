// In-process regression tests of issue 15's findings that live in the service: an expert whose scores are not
// numbers, limits that disagree with openapi.yaml.

import Foundation
import HTTPCore
import MoELoRA
import TestSupport
import Testing

@Suite("Service: hardening")
struct HardeningRoutesTests {
    /// Finding 5: an expert with huge weights answered 200 with `{}`, lost a healthy task's result, queued items
    /// with empty scores and made a metric NaN. Now: 500 naming the expert, nothing recorded, others unaffected.
    @Test func anExpertWhoseScoresAreNotNumbersFailsOnlyItsOwnRequests() throws {
        let tiny = try TinyMoE()
        defer { tiny.remove() }
        // Built in memory: no file with such weights passes the loader (ExpertFileTests).
        let broken = RandomExperts.task(name: "broken", base: tiny.base, bScale: 3e38, seed: 99)
        let service = try ServiceHarness(tiny: tiny, auditRate: 1, extraTasks: [broken])
        defer { service.remove() }
        let failed = try #require(
            service.request("POST", "/v1/classify", body: "{\"task\": \"broken\", \"text\": \"x\"}"))
        #expect(failed.status == 500 && failed.body.contains("\"code\":\"expert_failure\""), "\(failed.body)")
        #expect(failed.body.contains("broken") && failed.body.contains("rollback"))
        let both = service.request(
            "POST", "/v1/moderations", body: "{\"input\": \"x\", \"tasks\": [\"spam\", \"broken\"]}")
        #expect(both?.status == 500)
        #expect(service.request("POST", "/v1/classify", body: "{\"task\": \"spam\", \"text\": \"x\"}")?.status == 200)
        #expect(
            service.request("POST", "/v1/moderations", body: "{\"input\": \"x\", \"tasks\": [\"spam\"]}")?.status == 200
        )
        // Nothing of the broken task was recorded or queued; the metrics hold no NaN.
        let (_, stats) = try service.json("GET", "/v1/review/stats")
        let queued = (stats["queues"] as? [[String: Any]] ?? []).map { $0["task"] as? String }
        #expect(!queued.contains("broken") && queued.contains("spam"))
        let metrics = try #require(service.request("GET", "/metrics")).body
        #expect(!metrics.contains("NaN") && !metrics.contains("task=\"broken\",decision"), "\(metrics)")
    }

    /// Finding 10: limits as openapi.yaml states them.
    @Test func limitsAreTheOnesTheSpecStates() throws {
        let service = try ServiceHarness()
        defer { service.remove() }
        // Characters are code points: 10,001 graphemes of two code points each are over the 20,000 limit.
        let combining = String(repeating: "e\u{301}", count: 10_001)
        #expect(combining.count == 10_001 && combining.unicodeScalars.count == 20_002)
        let long = service.request("POST", "/v1/classify", body: "{\"task\": \"spam\", \"text\": \"\(combining)\"}")
        #expect(long?.status == 422 && long?.body.contains("code points") == true, "\(long?.body ?? "")")
        let fits = String(repeating: "e\u{301}", count: 10_000)
        #expect(
            service.request("POST", "/v1/classify", body: "{\"task\": \"spam\", \"text\": \"\(fits)\"}")?.status == 200)
        // A coded request body is refused with 415 (bodies are read as sent).
        let gzipped = service.request(
            "POST", "/v1/classify", body: "{\"task\": \"spam\", \"text\": \"x\"}",
            headers: [("Content-Encoding", "gzip")])
        #expect(gzipped?.status == 415 && gzipped?.body.contains("Content-Encoding") == true)
        let identity = service.request(
            "POST", "/v1/classify", body: "{\"task\": \"spam\", \"text\": \"x\"}",
            headers: [("Content-Encoding", "identity")])
        #expect(identity?.status == 200)
        // `model` must be a string when given.
        for model in ["3", "true", "null", "[\"m\"]"] {
            let r = service.request("POST", "/v1/moderations", body: "{\"input\": \"x\", \"model\": \(model)}")
            #expect(r?.status == 422, "model \(model)")
        }
        #expect(service.request("POST", "/v1/moderations", body: "{\"input\": \"x\", \"model\": \"m\"}")?.status == 200)
        // An X-Request-Id over 128 characters is not an error: the server makes its own id (as the spec says).
        let (status, body) = try service.json(
            "POST", "/v1/classify", "{\"task\": \"spam\", \"text\": \"x\"}",
            headers: [("X-Request-Id", String(repeating: "r", count: 200))])
        #expect(status == 200 && (body["request_id"] as? String)?.count == 36)
    }
}
