// POST /v1/classify with "explain": true: one span per word with the top label's attribution, each equal to the
// full score minus the score of the same text without that word (classified on its own); bad values and too many
// pairs are refused.

import Foundation
import Testing

@Suite("Service: explanations")
struct ExplainRoutesTests {
    func topScore(_ result: [String: Any], label: String) throws -> Double {
        try #require((result["scores"] as? [String: Double])?[label])
    }

    @Test func explainGivesOneSpanPerWordWithConsistentAttributions() throws {
        let service = try ServiceHarness()
        defer { service.remove() }
        let task = try service.tiny.snapshot().taskNames[0]
        let text = "free prizes  click now"
        let (status, body) = try service.json(
            "POST", "/v1/classify", "{\"task\": \"\(task)\", \"text\": \"\(text)\", \"explain\": true}")
        #expect(status == 200)
        let result = try #require((body["results"] as? [[String: Any]])?.first)
        let explanation = try #require(result["explanation"] as? [String: Any])
        let label = try #require(result["label"] as? String)
        #expect(explanation["method"] as? String == "occlusion" && explanation["label"] as? String == label)
        let spans = try #require(explanation["spans"] as? [[String: Any]])
        #expect(spans.compactMap { $0["text"] as? String } == ["free", "prizes", "click", "now"])
        #expect(spans.compactMap { $0["start"] as? Int } == [0, 5, 13, 19])
        #expect(spans.compactMap { $0["end"] as? Int } == [4, 11, 18, 22])
        let full = try topScore(result, label: label)
        let variants = ["prizes  click now", "free click now", "free prizes now", "free prizes  click"]
        for (span, variant) in zip(spans, variants) {
            let (_, alone) = try service.json(
                "POST", "/v1/classify", "{\"task\": \"\(task)\", \"text\": \"\(variant)\"}")
            let score = try topScore(try #require((alone["results"] as? [[String: Any]])?.first), label: label)
            let attribution = try #require(span["attribution"] as? Double)
            #expect(abs(attribution - (full - score)) < 1e-5, "\(variant): \(attribution) vs \(full - score)")
        }
        // Without the flag, no explanation; a text without words has no spans.
        let (_, plain) = try service.json("POST", "/v1/classify", "{\"task\": \"\(task)\", \"text\": \"\(text)\"}")
        #expect((plain["results"] as? [[String: Any]])?.first?["explanation"] == nil)
        let (_, blank) = try service.json(
            "POST", "/v1/classify", "{\"task\": \"\(task)\", \"text\": \"  \", \"explain\": true}")
        let empty = (blank["results"] as? [[String: Any]])?.first?["explanation"] as? [String: Any]
        #expect((empty?["spans"] as? [Any])?.isEmpty == true)
    }

    @Test func explainRefusesBadValuesAndTooManyPairs() throws {
        let service = try ServiceHarness()
        defer { service.remove() }
        let task = try service.tiny.snapshot().taskNames[0]
        for bad in ["1", "\"yes\"", "null"] {
            let (status, body) = try service.json(
                "POST", "/v1/classify", "{\"task\": \"\(task)\", \"text\": \"a b\", \"explain\": \(bad)}")
            let message = (body["error"] as? [String: Any])?["message"] as? String
            #expect(status == 422 && message == "'explain' must be true or false", "\(bad): \(body)")
        }
        let texts = (0..<9).map { "\"text \($0)\"" }.joined(separator: ", ")
        let (status, body) = try service.json(
            "POST", "/v1/classify", "{\"task\": \"\(task)\", \"texts\": [\(texts)], \"explain\": true}")
        #expect(status == 422 && "\(body)".contains("at most 8"), "\(body)")
        let (ok, _) = try service.json(
            "POST", "/v1/classify", "{\"task\": \"\(task)\", \"texts\": [\(texts)], \"explain\": false}")
        #expect(ok == 200)
    }

    @Test func reviewersGetAnItemsExplanationWithoutClassifyingOrQueueing() throws {
        let admin = "a-0123456789abcdef", reviewer = "r-0123456789abcdef", classifier = "c-0123456789abcdef"
        let service = try ServiceHarness(
            auditRate: 0, tokens: [admin: [.admin], reviewer: [.review], classifier: [.classify]])
        defer { service.remove() }
        let task = try service.tiny.snapshot().taskNames[0]
        let asAdmin = [("Authorization", "Bearer \(admin)")], asReviewer = [("Authorization", "Bearer \(reviewer)")]
        var itemId: Int64?, explained: [[String: Any]] = []
        for text in ["free prizes click now", "hello there my friend", "win a car today", "see you at noon"] {
            let (_, body) = try service.json(
                "POST", "/v1/classify", "{\"task\": \"\(task)\", \"text\": \"\(text)\", \"explain\": true}",
                headers: asAdmin)
            let result = try #require((body["results"] as? [[String: Any]])?.first)
            if let id = result["review_id"] as? Int, itemId == nil {
                itemId = Int64(id)
                explained = try #require((result["explanation"] as? [String: Any])?["spans"] as? [[String: Any]])
            }
        }
        let id = try #require(itemId, "the untrained fixture sends texts to review")
        let queued = try service.json("GET", "/v1/review/stats", headers: asAdmin).1
        let (status, reply) = try service.json("POST", "/v1/review/\(id)/explain", headers: asReviewer)
        #expect(status == 200 && reply["id"] as? Int == Int(id) && reply["task"] as? String == task)
        let spans = try #require((reply["explanation"] as? [String: Any])?["spans"] as? [[String: Any]])
        #expect(spans.compactMap { $0["text"] as? String } == explained.compactMap { $0["text"] as? String })
        for (a, b) in zip(spans, explained) {
            let x = try #require(a["attribution"] as? Double), y = try #require(b["attribution"] as? Double)
            #expect(abs(x - y) < 1e-5)
        }
        let after = try service.json("GET", "/v1/review/stats", headers: asAdmin).1
        #expect(NSDictionary(dictionary: after) == NSDictionary(dictionary: queued), "explaining queued or recorded")
        #expect(service.request("POST", "/v1/review/999999/explain", headers: asReviewer)?.status == 404)
        let asClassifier = [("Authorization", "Bearer \(classifier)")]
        #expect(service.request("POST", "/v1/review/\(id)/explain", headers: asClassifier)?.status == 403)
    }
}
