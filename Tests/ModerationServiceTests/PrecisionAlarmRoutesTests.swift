// The live precision alarm end to end, in-process: audited automatic decisions that humans overturn raise it
// (stats field and metric), and the task's policy answers it: alert only, tighten the thresholds, or roll back.

import Foundation
import HTTPCore
import Testing

@Suite("Precision alarm routes")
struct PrecisionAlarmRoutesTests {
    /// Classifies `count` texts of `task` (every one decided automatically and audited) and answers each audit
    /// with the label the model did not choose, but for every `agreeEvery`-th.
    static func overturn(_ service: ServiceHarness, task: String, count: Int, agreeEvery: Int) throws {
        let texts = (0..<count).map { "\"text number \($0) of the alarm test\"" }.joined(separator: ",")
        let (status, classified) = try service.json(
            "POST", "/v1/classify", "{\"task\": \"\(task)\", \"texts\": [\(texts)]}")
        #expect(status == 200)
        let results = try #require(classified["results"] as? [[String: Any]])
        for (i, r) in results.enumerated() {
            let id = try #require(r["review_id"] as? Int, "every automatic decision is audited")
            let label = try #require(r["label"] as? String)
            let verdict = i % agreeEvery == 0 ? label : (label == "compliant" ? "violating" : "compliant")
            #expect(
                service.request("POST", "/v1/review/\(id)/verdict", body: "{\"label\": \"\(verdict)\"}")?.status == 201)
        }
        service.service.waitForEvolutionTriggers()
    }

    static func live(_ service: ServiceHarness, task: String) throws -> [String: Any] {
        let (_, stats) = try service.json("GET", "/v1/stats")
        return try #require((stats["precision_alarm"] as? [String: [String: Any]])?[task])
    }

    static func metric(_ service: ServiceHarness, _ name: String, _ labels: [String: String]) throws -> Double? {
        PrometheusSamples(try #require(service.request("GET", "/metrics")).body).value(name, labels)
    }

    static let everythingAutomatic = "{\"thresholds\": {\"compliant\": 0, \"violating\": 0}}"

    @Test func anAlertOnlyPolicyRaisesTheAlarmAndChangesNothing() throws {
        let service = try ServiceHarness(auditRate: 1)
        defer { service.remove() }
        #expect(
            service.request("PUT", "/v1/tasks/spam/evolution", body: "{\"alarm_response\": \"alert\"}")?.status == 200)
        #expect(service.request("PUT", "/v1/tasks/spam/thresholds", body: Self.everythingAutomatic)?.status == 200)
        let before = try Self.live(service, task: "spam")
        #expect(before["audited"] as? Int == 0)
        #expect(before["alarm"] as? Bool == false)
        #expect(try Self.metric(service, "moecl_precision_alarm", ["task": "spam"]) == 0)

        try Self.overturn(service, task: "spam", count: 30, agreeEvery: 5)
        let after = try Self.live(service, task: "spam")
        #expect(after["audited"] as? Int == 30)
        #expect(after["agreed"] as? Int == 6)
        #expect(after["alarm"] as? Bool == true)
        #expect(after["response"] as? String == "alert")
        #expect((after["upper"] as? Double ?? 1) < 0.9)
        #expect(try Self.metric(service, "moecl_precision_alarm", ["task": "spam"]) == 1)
        #expect(try Self.metric(service, "moecl_audit_precision_bound", ["task": "spam", "bound": "upper"]) ?? 1 < 0.9)
        // The thresholds stay: still every text decided automatically.
        let (_, classified) = try service.json(
            "POST", "/v1/classify", "{\"task\": \"spam\", \"texts\": [\"one more\"]}")
        let decision = (classified["results"] as? [[String: Any]])?.first?["decision"] as? String
        #expect(decision == "white" || decision == "black")
    }

    @Test func withNoEarlierVersionTheDefaultResponseTightensTheThresholdsUntilTheAlarmClears() throws {
        let service = try ServiceHarness(auditRate: 1)
        defer { service.remove() }
        #expect(service.request("PUT", "/v1/tasks/spam/thresholds", body: Self.everythingAutomatic)?.status == 200)
        try Self.overturn(service, task: "spam", count: 30, agreeEvery: 5)
        // No threshold can make 6 of 30 reach 0.9: the labels that fell below it lose theirs, so their texts go
        // to review, and the audits no longer admitted stop counting.
        let after = try Self.live(service, task: "spam")
        #expect(after["response"] as? String == "auto")
        #expect(after["alarm"] as? Bool == false)
        #expect(after["audited"] as? Int == 0)
        #expect(
            try Self.metric(service, "moecl_precision_alarm_responses_total", ["task": "spam", "response": "tighten"])
                == 1)
        let (_, classified) = try service.json(
            "POST", "/v1/classify", "{\"task\": \"spam\", \"texts\": [\"text number 3 of the alarm test\"]}")
        #expect((classified["results"] as? [[String: Any]])?.first?["decision"] as? String == "review")
    }

    @Test func aRollbackPolicyServesThePreviousVersionAgain() throws {
        let service = try ServiceHarness(auditRate: 1)
        defer { service.remove() }
        #expect(
            service.request("PUT", "/v1/tasks/spam/evolution", body: "{\"alarm_response\": \"rollback\"}")?.status
                == 200)
        #expect(
            service.request("PUT", "/v1/experts/spam", raw: try service.expertFile(task: "spam", version: 2))?.status
                == 201)
        #expect(service.request("PUT", "/v1/tasks/spam/thresholds", body: Self.everythingAutomatic)?.status == 200)
        #expect(try Self.live(service, task: "spam")["version"] as? Int == 2)
        try Self.overturn(service, task: "spam", count: 30, agreeEvery: 5)
        let after = try Self.live(service, task: "spam")
        #expect(after["version"] as? Int == 1)
        #expect(after["alarm"] as? Bool == false)
        #expect(
            try Self.metric(service, "moecl_precision_alarm_responses_total", ["task": "spam", "response": "rollback"])
                == 1)
    }

    /// The default (`auto`): a new version that went wrong goes back to the one before when that one's own audits
    /// are sound; when they are not, the new version is tightened instead.
    @Test func theDefaultResponseRollsBackToASoundVersionAndTightensOtherwise() throws {
        let service = try ServiceHarness(auditRate: 1)
        defer { service.remove() }
        #expect(
            service.request("PUT", "/v1/experts/spam", raw: try service.expertFile(task: "spam", version: 2))?.status
                == 201)
        #expect(service.request("PUT", "/v1/tasks/spam/thresholds", body: Self.everythingAutomatic)?.status == 200)
        try Self.overturn(service, task: "spam", count: 30, agreeEvery: 5)
        let back = try Self.live(service, task: "spam")
        #expect(back["version"] as? Int == 1, "version 1 has no audit against it: \(back)")
        #expect(
            try Self.metric(service, "moecl_precision_alarm_responses_total", ["task": "spam", "response": "rollback"])
                == 1)

        // Version 1 now decides everything, and its audits go wrong too (alert only, so it stays).
        #expect(
            service.request("PUT", "/v1/tasks/spam/evolution", body: "{\"alarm_response\": \"alert\"}")?.status == 200)
        #expect(service.request("PUT", "/v1/tasks/spam/thresholds", body: Self.everythingAutomatic)?.status == 200)
        try Self.overturn(service, task: "spam", count: 30, agreeEvery: 5)
        #expect(try Self.live(service, task: "spam")["alarm"] as? Bool == true)
        // Version 3 goes wrong under auto: version 1 is not sound, so version 3 is tightened, not rolled back.
        #expect(
            service.request("PUT", "/v1/tasks/spam/evolution", body: "{\"alarm_response\": \"auto\"}")?.status == 200)
        #expect(
            service.request("PUT", "/v1/experts/spam", raw: try service.expertFile(task: "spam", version: 3))?.status
                == 201)
        #expect(service.request("PUT", "/v1/tasks/spam/thresholds", body: Self.everythingAutomatic)?.status == 200)
        try Self.overturn(service, task: "spam", count: 30, agreeEvery: 5)
        let kept = try Self.live(service, task: "spam")
        #expect(kept["version"] as? Int == 3)
        #expect(kept["alarm"] as? Bool == false)
        #expect(
            try Self.metric(service, "moecl_precision_alarm_responses_total", ["task": "spam", "response": "tighten"])
                == 1)
    }

    @Test func thePolicyRejectsAnUnknownResponse() throws {
        let service = try ServiceHarness(auditRate: 0)
        defer { service.remove() }
        let bad = service.request("PUT", "/v1/tasks/spam/evolution", body: "{\"alarm_response\": \"panic\"}")
        #expect(bad?.status == 422)
        #expect(bad?.body.contains("alarm_response is auto, alert, tighten or rollback") == true)
        #expect(service.request("PUT", "/v1/tasks/spam/evolution", body: "{\"alarm_window\": 5}")?.status == 422)
        #expect(
            service.request("PUT", "/v1/tasks/spam/evolution", body: "{\"precision_scope\": \"all\"}")?.status == 422)
        let (_, policy) = try service.json("GET", "/v1/tasks/spam/evolution")
        #expect((policy["policy"] as? [String: Any])?["precision_scope"] as? String == "label")
        let (status, pooled) = try service.json(
            "PUT", "/v1/tasks/spam/evolution", "{\"precision_scope\": \"decisions\"}")
        #expect(status == 200 && pooled["precision_scope"] as? String == "decisions")
    }
}
