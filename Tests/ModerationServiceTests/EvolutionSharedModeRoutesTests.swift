// A shared-mode run end to end, in-process: its candidate (a new shared expert and gates with the task's expert) is
// promoted as one registry change, changes every task's scores, survives a restart, and the shared expert rolls
// back on its own to exactly what served before.

import Foundation
import ServiceStore
import Testing

@Suite("Service: shared-mode evolution promotes a new shared expert")
struct EvolutionSharedModeTests {
    /// The scores `task` gives `text`.
    static func scores(_ service: ServiceHarness, _ task: String, _ text: String) throws -> [String: Double] {
        let (_, body) = try service.json("POST", "/v1/classify", "{\"task\": \"\(task)\", \"text\": \"\(text)\"}")
        return try #require((body["results"] as? [[String: Any]])?.first?["scores"] as? [String: Double])
    }

    /// The shadow tallies of the task's current run.
    static func shadowTallies(_ service: ServiceHarness) throws -> [String: Any] {
        let (_, watching) = try service.json("GET", "/v1/tasks/fresh/evolution")
        return (watching["current"] as? [String: Any])?["shadow"] as? [String: Any] ?? [:]
    }

    static func sharedVersion(_ service: ServiceHarness) throws -> Int? {
        try service.json("GET", "/v1/experts").1["shared_version"] as? Int
    }

    @Test func aSharedModeCandidateIsPromotedWithItsSharedExpertAndRollsBack() throws {
        let service = try ServiceHarness(auditRate: 0, sampleRate: 0.5)
        defer { service.remove() }
        let create =
            "{\"task\": \"fresh\", \"labels\": [\"compliant\", \"violating\"], \"compliant_label\": \"compliant\"}"
        #expect(service.request("POST", "/v1/tasks", body: create)?.status == 201)
        #expect(
            service.request(
                "PUT", "/v1/tasks/fresh/evolution",
                body: "{\"epochs\": 12, \"mode\": \"shared\", \"shadow_verdicts\": 0}"
            )?.status == 200)
        _ = try EvolutionRoutesTests.reviewEverything(service, task: "fresh", EvolutionRoutesTests.texts(480, seed: 1))
        let before = try Self.scores(service, "spam", "the cat sat on the mat")
        let sharedBefore = try #require(try Self.sharedVersion(service))
        // A second replica on the same database, catching up every 50 ms.
        let replica = try ServiceHarness(tiny: service.tiny, state: service.state, auditRate: 0)
        let timer = replica.service.startCatchingUp(every: 0.05)
        defer {
            timer.cancel()
            replica.stop()
        }

        #expect(try service.json("POST", "/v1/tasks/fresh/evolve", "{}").0 == 202)
        let run = try EvolutionRoutesTests.waitForRun(service, task: "fresh")
        #expect(run["status"] as? String == "promoted", "\(run["reasons"] ?? "")")
        #expect(run["mode"] as? String == "shared")
        // Served (once the catch-up the finished run triggers has run): the new shared expert, so another task's
        // scores moved; registered as one change with the task's.
        var served = try Self.sharedVersion(service)
        for _ in 0..<100 where served != sharedBefore + 1 {
            usleep(50_000)
            served = try Self.sharedVersion(service)
        }
        #expect(served == sharedBefore + 1)
        let after = try Self.scores(service, "spam", "the cat sat on the mat")
        #expect(after != before, "the shared expert changed every task's scores")
        let active = try service.stores.registry.active().map(\.task)
        #expect(active.contains(ExpertRegistry.sharedKey) && active.contains("fresh"), "\(active)")
        // The other replica serves it on its next catch-up.
        var caughtUp = false
        for _ in 0..<100 where !caughtUp {
            caughtUp = try Self.scores(replica, "spam", "the cat sat on the mat") == after
            if !caughtUp { usleep(50_000) }
        }
        #expect(caughtUp, "the other replica never served the new shared expert")
        #expect(try Self.sharedVersion(replica) == sharedBefore + 1)
        timer.cancel()
        replica.stop()

        // A restart serves the same shared expert.
        let restarted = try service.restarted(auditRate: 0)
        #expect(try Self.sharedVersion(restarted) == sharedBefore + 1)
        #expect(try Self.scores(restarted, "spam", "the cat sat on the mat") == after)

        // Rolled back: exactly what served before; then nothing left to roll back.
        let (status, body) = try restarted.json("POST", "/v1/shared/rollback")
        #expect(status == 200, "\(body)")
        #expect(body["version"] as? Int == sharedBefore && body["previous_version"] as? Int == sharedBefore + 1)
        #expect(try Self.scores(restarted, "spam", "the cat sat on the mat") == before)
        #expect(restarted.request("POST", "/v1/shared/rollback")?.status == 409)
    }

    /// With a shadow phase: the candidate scores its task's live texts off the answer path (its shared expert
    /// would change every task in the batch), served answers stay as they were, and it is judged on fresh audit
    /// verdicts with its own shared expert.
    /// A service whose new task "fresh" has a shared-mode candidate in its shadow phase, and the scores "fresh"
    /// and "spam" gave a text before the run.
    /// A shared-mode run shadowing "fresh", scoring live traffic; `probed`: the texts it scored while the test waited
    /// for the catch-up that loads it (probe texts, counted in its tallies).
    static func shadowing(backlog: Int = 512) throws -> (ServiceHarness, before: [[String: Double]], probed: Int) {
        let service = try ServiceHarness(auditRate: 0, sampleRate: 0.5, sharedShadowBacklog: backlog)
        let create =
            "{\"task\": \"fresh\", \"labels\": [\"compliant\", \"violating\"], \"compliant_label\": \"compliant\"}"
        #expect(service.request("POST", "/v1/tasks", body: create)?.status == 201)
        #expect(
            service.request("PUT", "/v1/tasks/fresh/evolution", body: "{\"epochs\": 12, \"mode\": \"shared\"}")?.status
                == 200)
        _ = try EvolutionRoutesTests.reviewEverything(service, task: "fresh", EvolutionRoutesTests.texts(480, seed: 1))
        let before = try ["fresh", "spam"].map { try scores(service, $0, "the cat sat on the mat") }
        #expect(try service.json("POST", "/v1/tasks/fresh/evolve", "{}").0 == 202)
        let shadowing = try EvolutionRoutesTests.waitForRun(service, task: "fresh")
        #expect(shadowing["status"] as? String == "shadow", "\(shadowing["reasons"] ?? "")")
        let probed = try EvolutionRoutesTests.waitForShadowScoring(service, task: "fresh")
        return (service, before, probed)
    }

    /// Polls the shadow tallies until they count `texts` (scored after the answers, on the shadow's queue).
    static func waitForShadowTexts(_ service: ServiceHarness, _ texts: Int) throws -> [String: Any] {
        var tallies: [String: Any] = [:]
        for _ in 0..<200 {
            tallies = try shadowTallies(service)
            if tallies["texts"] as? Int == texts { break }
            usleep(50_000)
        }
        return tallies
    }

    @Test func aSharedModeCandidateScoresTrafficOffTheAnswerPathAndIsJudgedOnFreshVerdicts() throws {
        let (service, before, probed) = try Self.shadowing()
        defer { service.remove() }
        let sharedBefore = try #require(try Self.sharedVersion(service))
        let during = try EvolutionRoutesTests.reviewEverything(
            service, task: "fresh", EvolutionRoutesTests.texts(48, seed: 5))
        #expect(during.allSatisfy { $0 == "review" }, "a shadow never changes an answer")
        let tallies = try Self.waitForShadowTexts(service, probed + 48)
        #expect(
            tallies["texts"] as? Int == probed + 48 && (tallies["would_decide"] as? Int ?? 0) > 8, "\(tallies)")
        #expect(
            (tallies["agreed"] as? Int ?? 99) <= probed + 48 - (tallies["would_decide"] as? Int ?? 0), "\(tallies)")
        #expect(
            PrometheusSamples(try #require(service.request("GET", "/metrics")).body).value(
                "moecl_shadow_texts_total", ["task": "fresh"]) == Double(probed + 48))
        // Served scores are what they were before the run, for its task and for the others.
        #expect(try ["fresh", "spam"].map { try Self.scores(service, $0, "the cat sat on the mat") } == before)
        #expect(try Self.sharedVersion(service) == sharedBefore, "nothing changes before the judgement")
        _ = try EvolutionRoutesTests.reviewEverything(service, task: "fresh", EvolutionRoutesTests.texts(112, seed: 6))
        service.service.waitForEvolutionTriggers()
        let judged = try #require(try service.json("GET", "/v1/tasks/fresh/evolution").1["runs"] as? [[String: Any]])
        #expect(judged.first?["status"] as? String == "promoted", "\(judged.first?["reasons"] ?? "")")
        #expect(try Self.sharedVersion(service) == sharedBefore + 1)
    }

    /// A request that would overfill the shadow's backlog is not scored by it (counted), and never delayed.
    @Test func aFullSharedShadowBacklogSkipsTextsAndCountsThem() throws {
        let (service, _, probed) = try Self.shadowing(backlog: 31)
        defer { service.remove() }
        // Chunks of 32 texts (refused whole: 32 > 31), then one of 16 (accepted: nothing waits).
        let during = try EvolutionRoutesTests.reviewEverything(
            service, task: "fresh", EvolutionRoutesTests.texts(48, seed: 5))
        #expect(during.count == 48 && during.allSatisfy { $0 == "review" })
        let tallies = try Self.waitForShadowTexts(service, probed + 16)
        #expect(tallies["texts"] as? Int == probed + 16, "\(tallies)")
        #expect(
            PrometheusSamples(try #require(service.request("GET", "/metrics")).body).value(
                "moecl_shadow_skipped_total", ["task": "fresh"]) == 32)
    }
}
