// kill -9 during self-evolution: of the trainer process, then of the server while its trainer runs. Every verdict
// stays, no run stays half-promoted, and what the registry says is what serves after a restart.

import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite("moecl serve: kill -9 during evolution (binary)", .serialized)
struct ServeEvolutionCrashTests {
    /// The process ids of `moecl evolve --run-id <run> … --state <state>` processes (from /proc): this test's
    /// trainers only, never another server's on the same machine.
    static func trainers(run: Int, state: String) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { entry in
            guard let pid = Int32(entry),
                let data = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline")
            else { return nil }
            let words = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            guard let i = words.firstIndex(of: "--run-id"), words.indices.contains(i + 1), words.contains("evolve"),
                words[i + 1] == "\(run)", let j = words.firstIndex(of: "--state"), words.indices.contains(j + 1),
                words[j + 1] == state
            else { return nil }
            return pid
        }
    }

    static func waitUntil(_ seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            if try condition() { return true }
            usleep(50_000)
        }
        return try condition()
    }

    static func run(_ server: ServeCommandTests.Server, _ id: Int) throws -> [String: Any]? {
        let (_, body) = try server.json("GET", "/v1/tasks/fresh/evolution")
        return (body["runs"] as? [[String: Any]])?.first { $0["id"] as? Int == id }
    }

    static func decided(_ server: ServeCommandTests.Server) throws -> Int {
        let (_, body) = try server.json("GET", "/v1/review/stats")
        return ((body["queues"] as? [[String: Any]]) ?? []).filter { $0["task"] as? String == "fresh" }
            .reduce(0) { $0 + ($1["decided"] as? Int ?? 0) }
    }

    static func servedVersion(_ server: ServeCommandTests.Server) throws -> Int? {
        let (_, body) = try server.json("GET", "/v1/experts")
        return ((body["tasks"] as? [[String: Any]]) ?? []).first { $0["task"] as? String == "fresh" }?["version"]
            as? Int
    }

    @Test func killingTheTrainerOrTheServerLeavesNoHalfPromotedRunAndLosesNoVerdict() throws {
        let tiny = try TinyMoE()
        let state = TestPaths.temporaryFolder("moecl-evolution-crash")
        defer {
            tiny.remove()
            try? FileManager.default.removeItem(at: state)
        }
        let arguments = [
            "--model", tiny.modelPath, "--experts", try tiny.writeBundle(), "--state", state.path, "--audit-rate", "0",
            "--sample-rate", "0.5", "--evolve-every", "0",
        ]
        let server = try ServeCommandTests.Server(arguments: arguments)
        let create =
            "{\"task\": \"fresh\", \"labels\": [\"compliant\", \"violating\"], \"compliant_label\": \"compliant\"}"
        #expect(server.request("POST", "/v1/tasks", body: create)?.status == 201)
        // Long training, so that the kills land inside it; promotion straight from the held-back gate (no shadow
        // phase), so the trainer itself registers the candidate.
        #expect(
            server.request("PUT", "/v1/tasks/fresh/evolution", body: "{\"epochs\": 50, \"shadow_verdicts\": 0}")?
                .status == 200)
        var verdicts = 0
        for i in 0..<240 {
            let label = i % 2 == 0 ? "violating" : "compliant"
            let text = (label == "violating" ? "spam" : "good") + " the cat \(["sat", "run", "now"][i % 3])"
            let (_, classified) = try server.json(
                "POST", "/v1/classify", "{\"task\": \"fresh\", \"text\": \"\(text)\"}")
            guard let id = (classified["results"] as? [[String: Any]])?.first?["review_id"] as? Int else { continue }
            if server.request("POST", "/v1/review/\(id)/verdict", body: "{\"label\": \"\(label)\"}")?.status == 201 {
                verdicts += 1
            }
        }
        #expect(try Self.decided(server) == verdicts && verdicts == 240)

        // 1. kill -9 the trainer as soon as it exists: the server sees it exit and finishes the run (failed, with
        // the exit status; or, had the trainer got that far, as the registry says); what serves matches the run.
        let (status, first) = try server.json("POST", "/v1/tasks/fresh/evolve", "{}")
        let firstID = try #require(first["id"] as? Int)
        #expect(status == 202)
        #expect(
            Self.waitUntil(30) { !Self.trainers(run: firstID, state: state.path).isEmpty }, "a trainer process starts")
        for pid in Self.trainers(run: firstID, state: state.path) { kill(pid, SIGKILL) }
        let finals = ["failed", "promoted", "rejected"]
        #expect(try Self.waitUntil(20) { finals.contains(try Self.run(server, firstID)?["status"] as? String ?? "") })
        let firstRun = try #require(try Self.run(server, firstID))
        if firstRun["status"] as? String == "failed" {
            let reasons = (firstRun["reasons"] as? [String]) ?? []
            #expect(reasons.contains { $0.contains("exited with status") }, "\(reasons)")
        }
        let afterFirst = firstRun["status"] as? String == "promoted" ? firstRun["candidate_version"] as? Int : 1
        #expect(
            try Self.waitUntil(10) { try Self.servedVersion(server) == afterFirst }, "serves what the run says")
        #expect(try Self.decided(server) == verdicts)

        // 2. kill -9 the server while its trainer runs: the trainer finishes on its own; after a restart the run
        // is finished (promoted or rejected, never still active) and the registry's expert serves.
        let (_, second) = try server.json("POST", "/v1/tasks/fresh/evolve", "{}")
        let secondID = try #require(second["id"] as? Int)
        #expect(Self.waitUntil(30) { !Self.trainers(run: secondID, state: state.path).isEmpty })
        kill(server.process.processIdentifier, SIGKILL)
        server.process.waitUntilExit()
        #expect(
            Self.waitUntil(120) { Self.trainers(run: secondID, state: state.path).isEmpty },
            "the orphaned trainer finishes")
        let restarted = try ServeCommandTests.Server(arguments: arguments)
        defer { _ = restarted.stop() }
        let final = try #require(try Self.run(restarted, secondID))
        let outcome = final["status"] as? String
        #expect(outcome == "promoted" || outcome == "rejected", "\(final)")
        let expected = outcome == "promoted" ? final["candidate_version"] as? Int : afterFirst
        #expect(try Self.servedVersion(restarted) == expected)
        #expect(try Self.decided(restarted) == verdicts, "no verdict lost")
    }
}
