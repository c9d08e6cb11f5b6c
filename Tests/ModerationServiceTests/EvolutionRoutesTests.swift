// In-process: a task created from nothing learns from reviewers' verdicts. Create → verdicts → a run (on demand,
// then by itself) → shadow → promotion → rollback; a run without signal is rejected with its reasons; bad
// requests.

import Foundation
import HTTPCore
import TensorCore
import Testing

@Suite("Service: new tasks and self-evolution", .serialized)
struct EvolutionRoutesTests {
    /// A learnable stream: violating texts hold "spam", compliant ones "good", among noise words.
    static func texts(_ n: Int, seed: UInt64) -> [(text: String, label: String)] {
        let noise = ["the", "a", "cat", "dog", "sat", "on", "mat", "run", "hello", "world", "here", "now"]
        var rng = SplitMix64(seed: seed)
        return (0..<n).map { _ in
            let violating = rng.next() % 2 == 0
            let words =
                [violating ? "spam" : "good"]
                + (0..<(1 + Int(rng.next() % 4))).map { _ in
                    noise[Int(rng.next() % UInt64(noise.count))]
                }
            return (words.shuffled(using: &rng).joined(separator: " "), violating ? "violating" : "compliant")
        }
    }

    /// Classifies `stream` under `task` in requests of 32 and records the true label for every queued item.
    static func reviewEverything(_ service: ServiceHarness, task: String, _ stream: [(text: String, label: String)])
        throws -> [String]
    {
        var decisions: [String] = []
        for start in stride(from: 0, to: stream.count, by: 32) {
            let chunk = stream[start..<min(stream.count, start + 32)]
            let texts = chunk.map { "\"\($0.text)\"" }.joined(separator: ", ")
            let (status, body) = try service.json(
                "POST", "/v1/classify", "{\"task\": \"\(task)\", \"texts\": [\(texts)]}")
            #expect(status == 200)
            let results = try #require(body["results"] as? [[String: Any]])
            for (r, truth) in zip(results, chunk) {
                decisions.append(r["decision"] as? String ?? "?")
                guard let id = r["review_id"] as? Int else { continue }
                let v = service.request("POST", "/v1/review/\(id)/verdict", body: "{\"label\": \"\(truth.label)\"}")
                #expect(v?.status == 201)
            }
        }
        return decisions
    }

    /// Polls the task's evolution until its newest run is neither training nor promoting (it is shadowing or
    /// finished); returns that run.
    static func waitForRun(_ service: ServiceHarness, task: String) throws -> [String: Any] {
        for _ in 0..<600 {
            let (_, body) = try service.json("GET", "/v1/tasks/\(task)/evolution")
            if let run = (body["runs"] as? [[String: Any]])?.first,
                !["running", "promoting"].contains(run["status"] as? String ?? "")
            {
                return run
            }
            usleep(50_000)
        }
        Issue.record("the run did not finish in 30 s")
        return [:]
    }

    /// Classifies one probe text of `task` at a time until its shadow candidate has scored one (at most 30 s),
    /// then until its tally stops moving (a shared-mode shadow scores after the answer); returns that tally.
    static func waitForShadowScoring(_ service: ServiceHarness, task: String) throws -> Int {
        func tally() throws -> Int {
            let (_, body) = try service.json("GET", "/v1/tasks/\(task)/evolution")
            return ((body["current"] as? [String: Any])?["shadow"] as? [String: Any])?["texts"] as? Int ?? 0
        }
        for k in 0..<600 {
            var texts = try tally()
            if texts > 0 {
                var steady = 0
                while steady < 3 {
                    usleep(50_000)
                    let now = try tally()
                    steady = now == texts ? steady + 1 : 0
                    texts = now
                }
                return texts
            }
            // A plain classification (no verdict: the verdict counts below stay those of the test's stream).
            _ = try service.json("POST", "/v1/classify", "{\"task\": \"\(task)\", \"text\": \"probe text \(k)\"}")
            usleep(50_000)
        }
        Issue.record("the shadow candidate never scored a text in 30 s")
        return 0
    }

    @Test func aNewTaskLearnsFromVerdictsIsPromotedAndRollsBack() throws {
        let service = try ServiceHarness(auditRate: 0, sampleRate: 0.5)
        defer { service.remove() }
        let create =
            "{\"task\": \"fresh\", \"labels\": [\"compliant\", \"violating\"], \"compliant_label\": \"compliant\", \"target_precision\": 0.9}"
        let (status, created) = try service.json("POST", "/v1/tasks", create)
        #expect(
            status == 201 && created["version"] as? Int == 1 && created["compliant_label"] as? String == "compliant")
        #expect(service.request("POST", "/v1/tasks", body: create)?.status == 409)
        // Enough epochs for the tiny test model to learn the two cue words well.
        #expect(service.request("PUT", "/v1/tasks/fresh/evolution", body: "{\"epochs\": 12}")?.status == 200)
        // Untrained: every text goes to review, with equal scores.
        let first = try Self.reviewEverything(service, task: "fresh", Self.texts(480, seed: 1))
        #expect(first.allSatisfy { $0 == "review" })
        let (accepted, run) = try service.json("POST", "/v1/tasks/fresh/evolve", "{}")
        #expect(accepted == 202 && run["status"] as? String == "running" && run["parent_version"] as? Int == 1)
        #expect(service.request("POST", "/v1/tasks/fresh/evolve")?.status == 409, "one run at a time")
        let shadowing = try Self.waitForRun(service, task: "fresh")
        #expect(shadowing["status"] as? String == "shadow", "\(shadowing["reasons"] ?? "")")
        let metrics = try #require(shadowing["metrics"] as? [String: Any])
        let candidate = try #require(metrics["candidate"] as? [String: Any])
        #expect((candidate["reject_rate"] as? Double ?? 0) > 0.3)
        #expect((candidate["precision_lower_bound"] as? Double ?? 0) >= 0.9)
        #expect(metrics["current_at_target"] != nil)
        // The store says "shadow" as soon as the run ends; the engine loads the candidate a moment later (the
        // admin queue's catch-up). Probe texts, one at a time, until it scores them.
        let probed = try Self.waitForShadowScoring(service, task: "fresh")
        // Shadow: the candidate scores live traffic beside version 1, which still answers (every text to review).
        let during = try Self.reviewEverything(service, task: "fresh", Self.texts(48, seed: 5))
        #expect(during.allSatisfy { $0 == "review" }, "a shadow never changes an answer")
        let (_, watching) = try service.json("GET", "/v1/tasks/fresh/evolution")
        let tallies = try #require((watching["current"] as? [String: Any])?["shadow"] as? [String: Any])
        #expect(tallies["texts"] as? Int == probed + 48 && (tallies["would_decide"] as? Int ?? 0) > 8, "\(tallies)")
        #expect(
            (tallies["agreed"] as? Int ?? 99) <= probed + 48 - (tallies["would_decide"] as? Int ?? 0), "\(tallies)")
        #expect(
            PrometheusSamples(try #require(service.request("GET", "/metrics")).body).value(
                "moecl_shadow_texts_total", ["task": "fresh"]) == Double(probed + 48))
        // Enough fresh audit verdicts (half of all texts are sampled; the policy asks for 40) judge it.
        _ = try Self.reviewEverything(service, task: "fresh", Self.texts(112, seed: 6))
        service.service.waitForEvolutionTriggers()
        let done = try Self.waitForRun(service, task: "fresh")
        #expect(done["status"] as? String == "promoted", "\(done["reasons"] ?? "") \(done["metrics"] ?? "")")
        let judged = try #require((done["metrics"] as? [String: Any])?["shadow"] as? [String: Any])
        #expect(((judged["candidate"] as? [String: Any])?["samples"] as? Int ?? 0) >= 40, "\(judged)")
        #expect((judged["pooled_precision_lower_bound"] as? Double ?? 0) >= 0.9, "\(judged)")
        // The promoted version serves (the in-process launcher catches up at once) and decides on its own.
        var served = 0
        for _ in 0..<100 {
            let (_, experts) = try service.json("GET", "/v1/experts")
            let fresh = (experts["tasks"] as? [[String: Any]])?.first { $0["task"] as? String == "fresh" }
            served = fresh?["version"] as? Int ?? 0
            if served == 2 { break }
            usleep(20_000)
        }
        #expect(served == 2)
        // The runs, the reviewers' pace and the queue's age are metrics (items left without a verdict: with half of
        // all texts sampled, some of ten are queued whatever their decisions, but for a 1-in-1,024 chance).
        let ten = Self.texts(10, seed: 11).map { "\"\($0.text)\"" }.joined(separator: ", ")
        let (_, unreviewed) = try service.json("POST", "/v1/classify", "{\"task\": \"fresh\", \"texts\": [\(ten)]}")
        #expect((unreviewed["results"] as? [[String: Any]])?.contains { $0["review_id"] != nil } == true)
        let samples = PrometheusSamples(try #require(service.request("GET", "/metrics")).body)
        #expect(samples.value("moecl_evolution_runs", ["task": "fresh", "status": "promoted"]) == 1)
        // 480 + 48 texts all went to review; of the last 112, those after the promotion only when sampled.
        #expect(samples.value("moecl_verdicts_last_hour", ["task": "fresh"]).map { (528...640).contains($0) } == true)
        #expect(samples.value("moecl_review_oldest_age_seconds", ["task": "fresh"]).map { $0 >= 0 } == true)
        let later = try Self.reviewEverything(service, task: "fresh", Self.texts(64, seed: 9))
        #expect(later.filter { $0 != "review" }.count > 16, "\(later)")
        // Rollback works as for uploads.
        let (rolled, back) = try service.json("POST", "/v1/experts/fresh/rollback")
        #expect(rolled == 200 && back["version"] as? Int == 1)
    }

    @Test func aRunWithoutSignalIsRejectedWithItsReasonsAndRunsStartByThemselves() throws {
        let service = try ServiceHarness(auditRate: 0, sampleRate: 0.5)
        defer { service.remove() }
        let create =
            "{\"task\": \"noise\", \"labels\": [\"compliant\", \"violating\"], \"compliant_label\": \"compliant\"}"
        #expect(service.request("POST", "/v1/tasks", body: create)?.status == 201)
        let (set, policy) = try service.json(
            "PUT", "/v1/tasks/noise/evolution", "{\"auto\": true, \"every\": 150, \"min_verdicts\": 150}")
        #expect(set == 200 && policy["every"] as? Int == 150 && policy["mode"] as? String == "task")
        // Labels that no text predicts: the candidate cannot reach the target, so nothing is promoted.
        var rng = SplitMix64(seed: 4)
        let stream = Self.texts(160, seed: 2).map { ($0.text, rng.next() % 2 == 0 ? "violating" : "compliant") }
        _ = try Self.reviewEverything(service, task: "noise", stream)
        service.service.waitForEvolutionTriggers()
        let run = try Self.waitForRun(service, task: "noise")
        #expect(run["trigger"] as? String == "auto")
        #expect(run["status"] as? String == "rejected")
        let reasons = (run["reasons"] as? [String]) ?? []
        #expect(
            reasons.contains { $0.contains("would decide nothing") || $0.contains("less than the margin") },
            "\(reasons)")
        let (_, experts) = try service.json("GET", "/v1/experts")
        let noise = (experts["tasks"] as? [[String: Any]])?.first { $0["task"] as? String == "noise" }
        #expect(noise?["version"] as? Int == 1, "a rejected candidate never serves")
    }

    @Test func badRequestsAreRefused() throws {
        let service = try ServiceHarness(auditRate: 0)
        defer { service.remove() }
        for bad in [
            "{}", "{\"task\": \"x\"}", "{\"task\": \"x\", \"labels\": [\"a\"]}",
            "{\"task\": \"x\", \"labels\": [\"a\", \"a\"]}",
            "{\"task\": \".x\", \"labels\": [\"a\", \"b\"]}",
            "{\"task\": \"x\", \"labels\": [\"a\", \"b\"], \"compliant_label\": \"c\"}",
            "{\"task\": \"x\", \"labels\": [\"a\", \"b\"], \"target_precision\": 1.5}",
        ] {
            #expect(service.request("POST", "/v1/tasks", body: bad)?.status == 422, "\(bad)")
        }
        #expect(
            service.request("POST", "/v1/tasks", body: "{\"task\": \"spam\", \"labels\": [\"a\", \"b\"]}")?.status
                == 409)
        #expect(service.request("POST", "/v1/tasks/nope/evolve")?.status == 404)
        #expect(service.request("GET", "/v1/tasks/nope/evolution")?.status == 404)
        #expect(service.request("POST", "/v1/tasks/spam/evolve", body: "{\"mode\": \"all\"}")?.status == 422)
        for bad in [
            "{\"every\": 0}", "{\"mode\": \"x\"}", "{\"colour\": 1}", "{\"auto\": 3}", "{\"hold_out\": 1}",
            "{\"epochs\": null}",
        ] {
            #expect(service.request("PUT", "/v1/tasks/spam/evolution", body: bad)?.status == 422, "\(bad)")
        }
        // Too few verdicts: the run is rejected, saying how many it needs.
        #expect(service.request("POST", "/v1/tasks/spam/evolve")?.status == 202)
        let run = try Self.waitForRun(service, task: "spam")
        #expect(run["status"] as? String == "rejected")
        #expect((run["reasons"] as? [String])?.first?.contains("a run needs 100") == true)
    }

    /// Deleting a task and creating it again starts it anew: a higher version, and the old task's verdicts unused.
    @Test func aDeletedTaskCreatedAgainStartsAnew() throws {
        let service = try ServiceHarness(auditRate: 0)
        defer { service.remove() }
        let create =
            "{\"task\": \"again\", \"labels\": [\"compliant\", \"violating\"], \"compliant_label\": \"compliant\"}"
        #expect(service.request("POST", "/v1/tasks", body: create)?.status == 201)
        _ = try Self.reviewEverything(service, task: "again", Self.texts(120, seed: 3))
        #expect(service.request("PUT", "/v1/tasks/again/evolution", body: "{\"min_verdicts\": 150}")?.status == 200)
        #expect(service.request("DELETE", "/v1/experts/again")?.status == 200)
        let (status, created) = try service.json("POST", "/v1/tasks", create)
        #expect(status == 201 && created["version"] as? Int == 2)
        let (_, evolution) = try service.json("GET", "/v1/tasks/again/evolution")
        #expect((evolution["policy"] as? [String: Any])?["min_verdicts"] as? Int == 100, "the server's default again")
        #expect(service.request("POST", "/v1/tasks/again/evolve")?.status == 202)
        let run = try Self.waitForRun(service, task: "again")
        #expect((run["reasons"] as? [String])?.first?.contains("has 0 verdicts") == true, "\(run)")
    }
}
