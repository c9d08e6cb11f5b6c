// In-process: hot-loading, rolling back and deleting experts, thresholds set by hand or calibrated, and what
// survives a restart.

import Foundation
import ModelFormats
import TestSupport
import Testing

@Suite("Service: expert and threshold admin")
struct ExpertRoutesTests {
    static func version(_ service: ServiceHarness, _ task: String) throws -> Int? {
        let (_, body) = try service.json("POST", "/v1/classify", "{\"task\": \"\(task)\", \"text\": \"x\"}")
        return ((body["results"] as? [[String: Any]])?.first?["expert"] as? [String: Any])?["version"] as? Int
    }

    @Test func hotLoadsRollsBackAndDeletesExpertsWithoutARestart() throws {
        let service = try ServiceHarness()
        defer { service.remove() }
        #expect(try Self.version(service, "spam") == 1)
        let v2 = try service.expertFile(task: "spam", version: 2)
        let put = service.request("PUT", "/v1/experts/spam", raw: v2)
        #expect(put?.status == 201 && put?.body.contains("\"previous_version\":1") == true, "\(put?.body ?? "")")
        #expect(put?.body.contains("\"status\":\"loaded\"") == true)
        let (_, afterPut) = try service.json("GET", "/v1/experts")
        let spamEntry = (afterPut["tasks"] as? [[String: Any]])?.first { $0["task"] as? String == "spam" }
        #expect(spamEntry?["sha256"] as? String == FileDigest.sha256(v2))
        #expect(try Self.version(service, "spam") == 2)
        // The first upload rolls back to the bundle's expert; then there is nothing left to roll back.
        let toBundle = service.request("POST", "/v1/experts/spam/rollback")
        #expect(toBundle?.status == 200 && toBundle?.body.contains("\"version\":1") == true, "\(toBundle?.body ?? "")")
        #expect(toBundle?.body.contains("\"status\":\"rolled_back\"") == true)
        #expect(try Self.version(service, "spam") == 1)
        #expect(service.request("POST", "/v1/experts/spam/rollback")?.status == 409)
        #expect(service.request("PUT", "/v1/experts/spam", raw: v2)?.status == 201)
        #expect(
            service.request("PUT", "/v1/experts/spam", raw: try service.expertFile(task: "spam", version: 3))?.status
                == 201)
        #expect(try Self.version(service, "spam") == 3)
        let back = service.request("POST", "/v1/experts/spam/rollback")
        #expect(back?.status == 200 && back?.body.contains("\"version\":2") == true)
        #expect(try Self.version(service, "spam") == 2)
        // Bad uploads change nothing: truncated, garbage, empty, another task's file.
        for (bytes, what) in [
            (Array(v2.prefix(v2.count / 2)), "truncated"), (Array("not an expert".utf8), "garbage"),
            ([], "empty"), (try service.expertFile(task: "hate", version: 9), "another task"),
        ] {
            let r = service.request("PUT", "/v1/experts/spam", raw: bytes)
            #expect(r?.status == 422 && r?.body.contains("validation_failed") == true, "\(what): \(r?.body ?? "")")
            #expect(r?.body.contains(service.state.path) == false, "\(what): the message shows a server path")
        }
        #expect(try Self.version(service, "spam") == 2)
        // A refused upload is checked in memory: nothing is written for it, not even its task's folder.
        #expect(service.request("PUT", "/v1/experts/fresh", raw: Array("garbage".utf8))?.status == 422)
        let uploads = service.state.appendingPathComponent("experts")
        #expect(!FileManager.default.fileExists(atPath: uploads.appendingPathComponent("fresh").path))
        let spamFiles = try FileManager.default.contentsOfDirectory(atPath: uploads.appendingPathComponent("spam").path)
        #expect(spamFiles.count == 2 && spamFiles.allSatisfy { $0.hasSuffix(".safetensors") }, "\(spamFiles)")
        #expect(service.request("POST", "/v1/experts/nope/rollback")?.status == 409)
        // Hot-loads survive a restart; a deleted task answers 404 and counts no longer list it.
        let restarted = try service.restarted()
        let (_, listed) = try restarted.json("GET", "/v1/experts")
        let spam = (listed["tasks"] as? [[String: Any]])?.first { $0["task"] as? String == "spam" }
        #expect(spam?["version"] as? Int == 2)
        let deleted = restarted.request("DELETE", "/v1/experts/hate")
        #expect(deleted?.status == 200 && deleted?.body.contains("\"status\":\"deleted\"") == true)
        #expect(restarted.request("POST", "/v1/classify", body: "{\"task\": \"hate\", \"text\": \"x\"}")?.status == 404)
        #expect(restarted.request("DELETE", "/v1/experts/hate")?.status == 404)
        let samples = PrometheusSamples(restarted.request("GET", "/metrics")?.body ?? "")
        #expect(samples.value("moecl_experts_loaded", ["task": "spam", "version": "2"]) == 1)
        #expect(samples.value("moecl_experts_loaded", ["task": "hate"]) == nil)
        // The deletion of a bundle's task survives a restart too, until the task is uploaded again.
        let third = try restarted.restarted()
        defer { third.stop() }
        #expect(third.request("POST", "/v1/classify", body: "{\"task\": \"hate\", \"text\": \"x\"}")?.status == 404)
        #expect(
            third.request("PUT", "/v1/experts/hate", raw: try third.expertFile(task: "hate", version: 5))?.status == 201
        )
        #expect(third.request("POST", "/v1/classify", body: "{\"task\": \"hate\", \"text\": \"x\"}")?.status == 200)
    }

    @Test func thresholdsAreSetByHandOrCalibratedFromVerdictsAndPostedSamples() throws {
        let service = try ServiceHarness(auditRate: 0)
        defer { service.remove() }
        // No calibration yet: everything goes to review; humans label the items.
        let texts = (0..<8).map { "\"text \($0)\"" }.joined(separator: ", ")
        let (_, classified) = try service.json("POST", "/v1/classify", "{\"task\": \"spam\", \"texts\": [\(texts)]}")
        let ids = (classified["results"] as? [[String: Any]] ?? []).compactMap { $0["review_id"] as? Int }
        #expect(ids.count == 8)
        #expect(service.request("POST", "/v1/tasks/spam/calibrate", body: "{}")?.status == 422)
        for (k, id) in ids.enumerated() {
            let label = k % 2 == 0 ? "compliant" : "violating"
            #expect(
                service.request("POST", "/v1/review/\(id)/verdict", body: "{\"label\": \"\(label)\"}")?.status == 201)
        }
        let (status, calibrated) = try service.json("POST", "/v1/tasks/spam/calibrate", "{\"target_precision\": 0.5}")
        let calibration = try #require(calibrated["calibration"] as? [String: Any])
        #expect(
            status == 200 && calibration["samples"] as? Int == 8 && calibration["target_precision"] as? Double == 0.5)
        // Posted samples.
        let samples = "[{\"text\": \"a\", \"label\": \"compliant\"}, {\"text\": \"b b\", \"label\": \"violating\"}]"
        let (postedStatus, posted) = try service.json("POST", "/v1/tasks/spam/calibrate", "{\"samples\": \(samples)}")
        #expect(postedStatus == 200 && (posted["calibration"] as? [String: Any])?["samples"] as? Int == 2)
        // All decisions together: the scope is recorded with the calibration.
        let (_, pooled) = try service.json(
            "POST", "/v1/tasks/spam/calibrate", "{\"target_precision\": 0.5, \"precision_scope\": \"decisions\"}")
        #expect((pooled["calibration"] as? [String: Any])?["precision_scope"] as? String == "decisions")
        for bad in [
            "{\"precision_scope\": \"each\"}", "{\"precision_scope\": 1}",
            "{\"samples\": [{\"text\": \"a\", \"label\": \"x\"}]}", "{\"samples\": []}", "{\"target_precision\": 0}",
            "{\"target_precision\": true}",
        ] {
            #expect(service.request("POST", "/v1/tasks/spam/calibrate", body: bad)?.status == 422, "\(bad)")
        }
        #expect(service.request("POST", "/v1/tasks/nope/calibrate", body: "{}")?.status == 404)
        // By hand; the next classification uses them.
        let manual = service.request(
            "PUT", "/v1/tasks/spam/thresholds", body: "{\"thresholds\": {\"compliant\": 0.25, \"violating\": 0.75}}")
        #expect(manual?.status == 200)
        let (_, after) = try service.json("POST", "/v1/classify", "{\"task\": \"spam\", \"text\": \"x\"}")
        let used = ((after["results"] as? [[String: Any]])?.first?["thresholds"] as? [String: Double])
        #expect(used == ["compliant": 0.25, "violating": 0.75])
        #expect(
            service.request("PUT", "/v1/tasks/spam/thresholds", body: "{\"thresholds\": {\"maybe\": 0.5}}")?.status
                == 422)
        #expect(
            service.request("PUT", "/v1/tasks/spam/thresholds", body: "{\"thresholds\": {\"compliant\": 2}}")?.status
                == 422)
        #expect(service.request("PUT", "/v1/tasks/spam/thresholds", body: "{}")?.status == 422)
        #expect(
            service.request("PUT", "/v1/tasks/nope/thresholds", body: "{\"thresholds\": {\"compliant\": 0.5}}")?.status
                == 404)
        // Thresholds survive a restart (they are stored with the expert).
        let restarted = try service.restarted(auditRate: 0)
        defer { restarted.stop() }
        let (_, later) = try restarted.json("POST", "/v1/classify", "{\"task\": \"spam\", \"text\": \"x\"}")
        #expect(((later["results"] as? [[String: Any]])?.first?["thresholds"] as? [String: Double]) == used)
    }
}
