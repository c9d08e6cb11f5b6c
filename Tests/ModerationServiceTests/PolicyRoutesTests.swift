// In-process: per-task policy lists decide before the model (black/white) or force review, say which entry
// matched, are versioned with their authors, survive a restart, refuse bad entries clearly, and only admins write.

import Foundation
import HTTPCore
import Testing

@Suite("Service: policy lists")
struct PolicyRoutesTests {
    func results(_ body: [String: Any]) throws -> [[String: Any]] { try #require(body["results"] as? [[String: Any]]) }

    func batches(_ service: ServiceHarness) -> Double {
        PrometheusSamples(service.request("GET", "/metrics")?.body ?? "").value("moecl_batch_size_count") ?? 0
    }

    @Test func hitsDecideBeforeTheModelAndSayWhichEntryMatched() throws {
        let service = try ServiceHarness(auditRate: 0)
        defer { service.remove() }
        let (_, empty) = try service.json("GET", "/v1/tasks/spam/policy")
        #expect(empty["version"] as? Int == 0 && (empty["entries"] as? [Any])?.isEmpty == true)
        let list = """
            {"entries": [
              {"value": "free money club", "action": "white", "note": "our newsletter"},
              {"match": "term", "value": "free money", "action": "black"},
              {"match": "pattern", "value": "https?://\\\\S+\\\\.ru", "action": "review"}]}
            """
        let (status, stored) = try service.json("PUT", "/v1/tasks/spam/policy", list)
        #expect(status == 200 && stored["version"] as? Int == 1 && stored["author"] as? String == "open", "\(stored)")
        let before = batches(service)
        // Black, without the model: no batch ran for it.
        let (_, black) = try service.json(
            "POST", "/v1/classify", #"{"task": "spam", "text": "get FR33 m o n e y now"}"#)
        let b = try results(black)[0]
        let match = try #require(b["policy"] as? [String: Any])
        #expect(b["decision"] as? String == "black" && (b["scores"] as? [String: Any])?.isEmpty == true)
        #expect(match["entry"] as? Int == 1 && match["value"] as? String == "free money" && match["start"] as? Int == 4)
        #expect(match["end"] as? Int == 18 && match["version"] as? Int == 1 && match["action"] as? String == "black")
        #expect(batches(service) == before, "a policy decision ran the model")
        // The allow entry comes first in the list, so it wins.
        let (_, white) = try service.json(
            "POST", "/v1/classify", #"{"task": "spam", "text": "join the Free Money Club"}"#)
        #expect(try results(white)[0]["decision"] as? String == "white")
        // Review: the model scores it, the decision is review and the item is queued.
        let (_, review) = try service.json(
            "POST", "/v1/classify", #"{"task": "spam", "text": "see http://x.RU today"}"#)
        let r = try results(review)[0]
        #expect(
            r["decision"] as? String == "review" && r["review_id"] != nil && (r["scores"] as? [String: Any])?.count == 2
        )
        #expect(batches(service) == before + 1)
        // Other tasks and texts without a hit are untouched; a mixed request keeps its order.
        let (_, mixed) = try service.json(
            "POST", "/v1/classify", #"{"task": "spam", "texts": ["hello there", "free money", "hi"]}"#)
        let m = try results(mixed)
        #expect(m.compactMap { $0["index"] as? Int } == [0, 1, 2] && m[1]["decision"] as? String == "black")
        #expect(m[0]["policy"] == nil && m[2]["policy"] == nil)
        let metrics = PrometheusSamples(service.request("GET", "/metrics")?.body ?? "")
        #expect(metrics.value("moecl_policy_hits_total", ["task": "spam", "action": "black"]) == 2)
        #expect(metrics.value("moecl_policy_hits_total", ["task": "spam", "action": "white"]) == 1)
        #expect(metrics.value("moecl_policy_hits_total", ["task": "spam", "action": "review"]) == 1)
        // Versions and the audit trail; a restart keeps the list.
        let (_, second) = try service.json(
            "PUT", "/v1/tasks/spam/policy", #"{"entries": [], "expected_version": 1}"#)
        #expect(second["version"] as? Int == 2)
        let (conflict, _) = try service.json(
            "PUT", "/v1/tasks/spam/policy", #"{"entries": [], "expected_version": 1}"#)
        #expect(conflict == 409)
        let (_, history) = try service.json("GET", "/v1/tasks/spam/policy/history")
        let versions = try #require(history["versions"] as? [[String: Any]])
        #expect(versions.compactMap { $0["version"] as? Int } == [2, 1])
        #expect((versions[1]["entries"] as? [Any])?.count == 3 && versions[0]["created_at"] is String)
        let restarted = try service.restarted()
        let (_, after) = try restarted.json("GET", "/v1/tasks/spam/policy")
        #expect(after["version"] as? Int == 2)
        let (_, none) = try restarted.json("POST", "/v1/classify", #"{"task": "spam", "text": "free money"}"#)
        #expect(try results(none)[0]["policy"] == nil)
        restarted.stop()
    }

    @Test func badListsAreRefusedWithWhatToFix() throws {
        let service = try ServiceHarness()
        defer { service.remove() }
        func message(_ body: String) throws -> String? {
            let (status, reply) = try service.json("PUT", "/v1/tasks/spam/policy", body)
            #expect(status == 422, "\(body): \(status)")
            return (reply["error"] as? [String: Any])?["message"] as? String
        }
        #expect(
            try message(#"{"entries": [{"value": "x", "action": "delete"}]}"#)
                == "entry 0: 'action' must be black, white or review")
        #expect(
            try message(#"{"entries": [{"match": "regex", "value": "x", "action": "black"}]}"#)
                == "entry 0: 'match' must be term or pattern")
        #expect(try message(#"{"entries": [{"value": 5, "action": "black"}]}"#) == "entry 0: 'value' must be a string")
        #expect(
            try message(#"{"entries": [{"match": "pattern", "value": "(", "action": "black"}]}"#)?.contains(
                "not a regular expression") == true)
        #expect(
            try message(#"{"entries": [{"value": "x", "action": "black", "weight": 2}]}"#)?.contains(
                "'weight' is not an entry field") == true)
        #expect(try message(#"{"entries": "free"}"#)?.contains("give 'entries'") == true)
        #expect(try message(#"{"entries": [], "expected_version": -1}"#)?.contains("'expected_version'") == true)
        #expect(try message(#"{"entry": []}"#)?.contains("'entry' is not a policy list field") == true)
        let (status, _) = try service.json("PUT", "/v1/tasks/nope/policy", #"{"entries": []}"#)
        #expect(status == 404)
        let (_, current) = try service.json("GET", "/v1/tasks/spam/policy")
        #expect(current["version"] as? Int == 0, "a refused list must not be stored")
    }

    @Test func onlyAdminsWriteAndTheAuthorIsTheTokensFingerprint() throws {
        let classifier = "c-0123456789abcdef", reviewer = "r-0123456789abcdef", admin = "a-0123456789abcdef"
        let service = try ServiceHarness(tokens: [classifier: [.classify], reviewer: [.review], admin: [.admin]])
        defer { service.remove() }
        func call(_ method: HTTPMethod, _ path: String, _ token: String, _ body: String? = nil) -> HTTPStatus? {
            service.request(method, path, body: body, headers: [("Authorization", "Bearer \(token)")])?.status
        }
        let list = #"{"entries": [{"value": "spam", "action": "black"}]}"#
        #expect(call("PUT", "/v1/tasks/spam/policy", classifier, list) == 403)
        #expect(call("PUT", "/v1/tasks/spam/policy", reviewer, list) == 403)
        #expect(call("GET", "/v1/tasks/spam/policy", classifier) == 403)
        #expect(call("GET", "/v1/tasks/spam/policy", reviewer) == 200)
        #expect(call("GET", "/v1/tasks/spam/policy/history", reviewer) == 403)
        #expect(call("PUT", "/v1/tasks/spam/policy", admin, list) == 200)
        let (_, stored) = try service.json(
            "GET", "/v1/tasks/spam/policy", headers: [("Authorization", "Bearer \(admin)")])
        let author = try #require(stored["author"] as? String)
        #expect(author.hasPrefix("admin:") && author.count == 18 && !author.contains(admin), "\(author)")
    }
}
