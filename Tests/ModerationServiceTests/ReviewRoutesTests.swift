// In-process: the review queue (claim, verdict, stats), reject rates and stats, and what survives a restart.

import Foundation
import ServiceStore
import TestSupport
import Testing

@Suite("Service: review queue and stats")
struct ReviewRoutesTests {
    @Test func reviewQueueFlowStatsAndRestart() throws {
        let service = try ServiceHarness(auditRate: 0)
        defer { service.remove() }
        // The tiny experts have no calibration: every decision is review, so every text is queued.
        let (status, classified) = try service.json(
            "POST", "/v1/classify", "{\"task\": \"spam\", \"texts\": [\"a\", \"b\", \"c\"]}")
        let results = try #require(classified["results"] as? [[String: Any]])
        #expect(status == 200 && results.allSatisfy { $0["decision"] as? String == "review" })
        let ids = results.compactMap { $0["review_id"] as? Int }
        #expect(ids.count == 3 && Set(ids).count == 3)
        let (_, first) = try service.json(
            "POST", "/v1/review/claim", "{\"task\": \"spam\", \"limit\": 2, \"lease_seconds\": 60}")
        let claimed = try #require(first["items"] as? [[String: Any]])
        #expect(claimed.compactMap { $0["id"] as? Int } == Array(ids.prefix(2)) && claimed[0]["text"] as? String == "a")
        let (_, second) = try service.json("POST", "/v1/review/claim")  // an empty body claims from any task
        #expect((second["items"] as? [[String: Any]])?.compactMap { $0["id"] as? Int } == [ids[2]])
        let (_, third) = try service.json("POST", "/v1/review/claim", "{\"limit\": 5}")
        #expect((third["items"] as? [Any])?.isEmpty == true)
        let verdict = "/v1/review/\(ids[0])/verdict"
        let recorded = service.request("POST", verdict, body: "{\"label\": \"violating\"}")
        #expect(recorded?.status == 201 && recorded?.body.contains("\"status\":\"recorded\"") == true)
        let again = service.request("POST", verdict, body: "{\"label\": \"violating\"}")
        #expect(again?.status == 200 && again?.body.contains("\"status\":\"already_recorded\"") == true)
        let conflict = service.request("POST", verdict, body: "{\"label\": \"compliant\"}")
        #expect(conflict?.status == 409 && conflict?.body.contains("verdict_conflict") == true)
        #expect(service.request("POST", "/v1/review/\(ids[1])/verdict", body: "{\"label\": \"maybe\"}")?.status == 422)
        #expect(service.request("POST", "/v1/review/\(ids[1])/verdict", body: "{}")?.status == 422)
        #expect(service.request("POST", "/v1/review/99999/verdict", body: "{\"label\": \"compliant\"}")?.status == 404)
        #expect(service.request("POST", "/v1/review/x1/verdict", body: "{\"label\": \"compliant\"}")?.status == 404)
        for bad in [
            "{\"limit\": 0}", "{\"limit\": true}", "{\"lease_seconds\": 0}", "{\"task\": 3}", "{\"order\": \"newest\"}",
        ] {
            #expect(service.request("POST", "/v1/review/claim", body: bad)?.status == 422, "\(bad)")
        }
        let (_, reviewStats) = try service.json("GET", "/v1/review/stats")
        let queues = try #require(reviewStats["queues"] as? [[String: Any]])
        #expect(queues.count == 1 && queues[0]["decided"] as? Int == 1 && queues[0]["leased"] as? Int == 2)
        // Reject rate over a window: three texts, all sent to review.
        let (rateStatus, rate) = try service.json("GET", "/v1/stats/reject-rate?task=spam&window=5m")
        let counts = try #require(rate["counts"] as? [String: Any])
        #expect(rateStatus == 200 && counts["review"] as? Int == 3 && counts["reject_rate"] as? Double == 0)
        let (_, everyTask) = try service.json("GET", "/v1/stats/reject-rate")
        #expect(everyTask["task"] as? String == "*" && everyTask["window"] as? String == "1h")
        #expect(service.request("GET", "/v1/stats/reject-rate?window=5x")?.status == 422)
        #expect(service.request("GET", "/v1/stats/reject-rate?window=%zz")?.status == 422)
        #expect(service.request("GET", "/v1/stats/reject-rate?task=nope")?.status == 404)
        // A restart on the same state: the queue, the verdict and the counts are all still there.
        let restarted = try service.restarted(auditRate: 0)
        defer { restarted.stop() }
        let (_, after) = try restarted.json("GET", "/v1/review/stats")
        let kept = try #require(after["queues"] as? [[String: Any]])
        #expect(kept.count == 1 && kept[0]["decided"] as? Int == 1)
        #expect((kept[0]["open"] as? Int ?? 0) + (kept[0]["leased"] as? Int ?? 0) == 2)
        #expect(restarted.request("POST", verdict, body: "{\"label\": \"compliant\"}")?.status == 409)
        let (_, all) = try restarted.json("GET", "/v1/stats")
        let windows = try #require(all["windows"] as? [String: [String: [String: Any]]])
        #expect(windows["all"]?["spam"]?["review"] as? Int == 3 && windows["5m"]?["spam"]?["total"] as? Int == 3)
        // The raw decisions log holds the three decisions too: text digests, not texts.
        let logged = try #require(restarted.stores.decisionLog).recent(task: "spam", limit: 10)
        #expect(logged.count == 3 && logged.allSatisfy { $0.decision == "review" && $0.textSHA256.count == 64 })
        // sha256("a")
        #expect(logged.last?.textSHA256 == "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb")
    }

    @Test func auditsSampleAutomaticDecisionsAndMeasureTheirPrecision() throws {
        let service = try ServiceHarness(auditRate: 1)
        defer { service.remove() }
        // Thresholds of 0 decide every text automatically; with an audit rate of 1 each is also queued.
        let manual = "{\"thresholds\": {\"compliant\": 0, \"violating\": 0}}"
        #expect(service.request("PUT", "/v1/tasks/spam/thresholds", body: manual)?.status == 200)
        let (_, classified) = try service.json(
            "POST", "/v1/classify", "{\"task\": \"spam\", \"texts\": [\"a\", \"b\"]}")
        let results = try #require(classified["results"] as? [[String: Any]])
        #expect(
            results.allSatisfy {
                ["white", "black"].contains($0["decision"] as? String ?? "") && $0["audit"] as? Bool == true
            })
        for r in results {
            let id = try #require(r["review_id"] as? Int)
            let label = try #require(r["label"] as? String)
            #expect(
                service.request("POST", "/v1/review/\(id)/verdict", body: "{\"label\": \"\(label)\"}")?.status == 201)
        }
        let (_, stats) = try service.json("GET", "/v1/stats")
        let audit = try #require((stats["audit_precision"] as? [String: [String: Any]])?["spam"])
        #expect(audit["audited"] as? Int == 2 && audit["agreed"] as? Int == 2 && audit["precision"] as? Double == 1)
        let (_, rate) = try service.json("GET", "/v1/stats/reject-rate?task=spam&window=5m")
        #expect((rate["counts"] as? [String: Any])?["reject_rate"] as? Double == 1)
    }

    /// With a sample seed, the same traffic samples the same texts; another seed samples others.
    @Test func aSampleSeedRepeatsWhichTextsAreSampled() throws {
        func sampledTexts(seed: UInt64) throws -> [String] {
            let service = try ServiceHarness(auditRate: 0, sampleRate: 0.5, sampleSeed: seed)
            defer { service.remove() }
            let texts = (0..<40).map { "\"text number \($0)\"" }.joined(separator: ", ")
            _ = try service.json("POST", "/v1/classify", "{\"task\": \"spam\", \"texts\": [\(texts)]}")
            let (_, claimed) = try service.json("POST", "/v1/review/claim", "{\"limit\": 100}")
            let items = try #require(claimed["items"] as? [[String: Any]])
            return items.filter { $0["sampled"] as? Bool == true }.compactMap { $0["text"] as? String }.sorted()
        }
        let first = try sampledTexts(seed: 7)
        #expect(first.count > 5 && first.count < 35, "about half of 40 texts sampled, got \(first.count)")
        #expect(try sampledTexts(seed: 7) == first)
        #expect(try sampledTexts(seed: 8) != first)
    }

    /// Claims hand out sampled items first, then (informative order) the smallest margin first.
    @Test func claimsAreInformativeFirstAndSampledItemsLeadTheQueue() throws {
        let all = try ServiceHarness(auditRate: 0, sampleRate: 1, claimOrder: .informative)
        defer { all.remove() }
        let (_, sampled) = try all.json("POST", "/v1/classify", "{\"task\": \"spam\", \"texts\": [\"a\", \"b\"]}")
        #expect((sampled["results"] as? [[String: Any]])?.count == 2)
        let (_, claimedSampled) = try all.json("POST", "/v1/review/claim", "{}")
        let items = try #require(claimedSampled["items"] as? [[String: Any]])
        #expect(items.count == 2 && items.allSatisfy { $0["sampled"] as? Bool == true })

        let service = try ServiceHarness(auditRate: 0, claimOrder: .informative)
        defer { service.remove() }
        let texts = ["spam spam", "hello there", "win a prize now", "a b c d e f g", "ok"]
        let body = "{\"task\": \"spam\", \"texts\": [\(texts.map { "\"\($0)\"" }.joined(separator: ", "))]}"
        let (_, classified) = try service.json("POST", "/v1/classify", body)
        let results = try #require(classified["results"] as? [[String: Any]])
        func margin(_ r: [String: Any]) -> Double {
            let s = ((r["scores"] as? [String: Double]) ?? [:]).values.sorted(by: >)
            return s[0] - s[1]
        }
        let expected = results.sorted { margin($0) < margin($1) }.compactMap { $0["review_id"] as? Int }
        let (_, informative) = try service.json("POST", "/v1/review/claim", "{\"limit\": 2}")
        #expect(
            (informative["items"] as? [[String: Any]])?.compactMap { $0["id"] as? Int } == Array(expected.prefix(2)))
        let (_, oldest) = try service.json("POST", "/v1/review/claim", "{\"order\": \"oldest\"}")
        let rest = expected.dropFirst(2).sorted()
        #expect((oldest["items"] as? [[String: Any]])?.compactMap { $0["id"] as? Int } == Array(rest))
    }
}
