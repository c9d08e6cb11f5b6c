// In-process regression tests of issue 15's findings that live in the service: an expert whose scores are not
// numbers, limits that disagree with openapi.yaml.

import Foundation
import HTTPCore
import MoELoRA
import ModerationService
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

    /// Finding 7: every upload and thresholds change was kept forever, and interrupted uploads left temporary
    /// files that a restart never removed.
    @Test func uploadsAreKeptUpToTheRetentionAndTemporariesAreRemovedAtStart() throws {
        let service = try ServiceHarness(keepUploads: 2)
        defer { service.remove() }
        for version in 2...4 {
            let r = service.request(
                "PUT", "/v1/experts/spam", raw: try service.expertFile(task: "spam", version: version))
            #expect(r?.status == 201)
        }
        let spam = service.state.appendingPathComponent("experts/spam")
        let files = try FileManager.default.contentsOfDirectory(atPath: spam.path).sorted()
        #expect(files.count == 2 && files[0].hasPrefix("3-") && files[1].hasPrefix("4-"), "\(files)")
        #expect(try service.stores.registry.history(task: "spam").map(\.version) == [3, 4])
        // A thresholds change is an upload too, and the retention applies to it.
        let manual = "{\"thresholds\": {\"compliant\": 0.5, \"violating\": 0.5}}"
        #expect(service.request("PUT", "/v1/tasks/spam/thresholds", body: manual)?.status == 200)
        #expect(try service.stores.registry.history(task: "spam").count == 2)
        // Rolling back walks the kept uploads, then the bundle's expert.
        #expect(service.request("POST", "/v1/experts/spam/rollback")?.body.contains("\"version\":4") == true)
        #expect(service.request("POST", "/v1/experts/spam/rollback")?.body.contains("\"version\":1") == true)
        #expect(service.request("POST", "/v1/experts/spam/rollback")?.status == 409)
        // Temporary files of interrupted writes go at the next start; the uploads stay.
        for name in [".4-abc.safetensors.123.456.tmp", "upload-0A1B.tmp"] {
            #expect(FileManager.default.createFile(atPath: spam.appendingPathComponent(name).path, contents: Data([1])))
        }
        #expect(ModerationService.removeUploadTemporaries(uploadFolder: spam.deletingLastPathComponent().path) == 2)
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: spam.path).allSatisfy { $0.hasSuffix(".safetensors") })
    }

    /// Finding 6: a state that could not be written (a full disk) left /readyz at 200; upload errors showed
    /// server paths.
    @Test func readinessReportsAStateThatCannotBeWrittenAndRecovers() throws {
        let service = try ServiceHarness()
        defer { service.remove() }
        service.service.checkState()
        #expect(service.request("GET", "/readyz")?.status == 200)
        // The upload folder cannot take a file: a regular file stands where the folder should be.
        let uploads = service.state.appendingPathComponent("experts")
        try? FileManager.default.removeItem(at: uploads)
        #expect(FileManager.default.createFile(atPath: uploads.path, contents: Data([1])))
        service.service.checkState()
        let down = try #require(service.request("GET", "/readyz"))
        #expect(
            down.status == 503 && down.body.contains("cannot be written") && !down.body.contains(service.state.path))
        // An upload that cannot be stored is a 500 with the request id, without server paths.
        let put = try #require(
            service.request("PUT", "/v1/experts/spam", raw: try service.expertFile(task: "spam", version: 2)))
        #expect(put.status == 500 && !put.body.contains(service.state.path), "\(put.body)")
        try FileManager.default.removeItem(at: uploads)
        service.service.checkState()
        #expect(service.request("GET", "/readyz")?.status == 200)
        #expect(
            service.request("PUT", "/v1/experts/spam", raw: try service.expertFile(task: "spam", version: 2))?.status
                == 201)
        // A 5,000-character task name is an answer, not a server error.
        let name = String(repeating: "t", count: 5_000)
        let long = try #require(
            service.request("PUT", "/v1/experts/\(name)", raw: try service.expertFile(task: "spam", version: 3)))
        #expect([404, 422].contains(long.status.code) && !long.body.contains(service.state.path), "\(long.status)")
        #expect(service.request("DELETE", "/v1/experts/\(name)")?.status == 404)
        #expect(service.request("POST", "/v1/experts/\(name)/rollback")?.status == 409)
    }
}
