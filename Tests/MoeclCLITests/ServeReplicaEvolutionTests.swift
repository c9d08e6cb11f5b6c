// End-to-end, two replicas evolving one task: two `moecl serve` processes share one real PostgreSQL. A task
// created on A learns from verdicts given on both; a run started on A holds the task, so B cannot start one (nor
// can both at the same instant); one trainer process runs; what it promotes is served by both replicas, and a
// rollback on B reaches A.

import Foundation
import TensorCore
import TestSupport
import Testing

@Suite("moecl serve, two replicas evolving one task on PostgreSQL (binary)")
struct ServeReplicaEvolutionTests {
    typealias Server = ServeCommandTests.Server

    static func runs(_ server: Server) throws -> [[String: Any]] {
        let (_, body) = try server.json("GET", "/v1/tasks/fresh/evolution")
        return body["runs"] as? [[String: Any]] ?? []
    }

    /// `moecl evolve` processes of any of `states` (this test's replicas), from /proc.
    static func trainers(states: [String]) -> Int {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.filter { entry in
            guard Int32(entry) != nil, let data = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline")
            else { return false }
            let words = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            guard words.contains("evolve"), let j = words.firstIndex(of: "--state"), words.indices.contains(j + 1)
            else { return false }
            return states.contains(words[j + 1])
        }.count
    }

    @Test func oneReplicaTrainsATaskAndBothServeWhatItPromotes() throws {
        let deployment = try ServeReplicaTests.Deployment()
        let extra = ["--sample-rate", "0.5", "--evolve-every", "0"]
        let a = try deployment.replica(0, extra), b = try deployment.replica(1, extra)
        defer { _ = a.stop(); _ = b.stop() }
        let create =
            "{\"task\": \"fresh\", \"labels\": [\"compliant\", \"violating\"], \"compliant_label\": \"compliant\"}"
        #expect(a.request("POST", "/v1/tasks", body: create)?.status == 201)
        #expect(
            ServeReplicaTests.waitFor { ServeReplicaTests.version(b, "fresh") != nil } != nil, "B never knew the task")
        // The policy is stored in the shared database: set on B, it holds for a run started on A.
        #expect(
            b.request("PUT", "/v1/tasks/fresh/evolution", body: "{\"epochs\": 12, \"shadow_verdicts\": 0}")?.status
                == 200)
        // 480 texts, a cue word and noise (as in the in-process evolution test), in requests of 32 alternating
        // between the replicas; every item gets its true label as verdict on the replica that queued it.
        let noise = ["the", "a", "cat", "dog", "sat", "on", "mat", "run", "hello", "world", "here", "now"]
        var rng = SplitMix64(seed: 1)
        for request in 0..<15 {
            let server = request % 2 == 0 ? a : b
            let batch: [(text: String, label: String)] = (0..<32).map { _ in
                let violating = rng.next() % 2 == 0
                let words =
                    [violating ? "spam" : "good"]
                    + (0..<(1 + Int(rng.next() % 4))).map { _ in noise[Int(rng.next() % UInt64(noise.count))] }
                return (words.shuffled(using: &rng).joined(separator: " "), violating ? "violating" : "compliant")
            }
            let texts = batch.map { "\"\($0.text)\"" }.joined(separator: ", ")
            let (_, classified) = try server.json(
                "POST", "/v1/classify", "{\"task\": \"fresh\", \"texts\": [\(texts)]}")
            let results = try #require(classified["results"] as? [[String: Any]])
            for (r, truth) in zip(results, batch) {
                let id = try #require(r["review_id"] as? Int)
                let v = server.request("POST", "/v1/review/\(id)/verdict", body: "{\"label\": \"\(truth.label)\"}")
                #expect(v?.status == 201)
            }
        }

        let (started, run) = try a.json("POST", "/v1/tasks/fresh/evolve", "{}")
        #expect(started == 202)
        let id = try #require(run["id"] as? Int)
        let refused = b.request("POST", "/v1/tasks/fresh/evolve", body: "{}")
        #expect(refused?.status == 409)
        #expect(refused?.body.contains("run \(id)") == true, "\(refused?.body ?? "")")
        // Until the run ends: never more than one trainer of these replicas, and it is A's run.
        let states = deployment.folders.map(\.path)
        var most = 0
        var final: [String: Any]?
        let end = Date().addingTimeInterval(180)
        while Date() < end {
            most = max(most, Self.trainers(states: states))
            if let r = try Self.runs(b).first(where: { $0["id"] as? Int == id }),
                ["promoted", "rejected", "failed"].contains(r["status"] as? String ?? "")
            {
                final = r
                break
            }
            usleep(100_000)
        }
        #expect(most <= 1, "\(most) trainers at once")
        let finished = try #require(final, "the run never finished")
        #expect(finished["status"] as? String == "promoted", "\(finished["reasons"] ?? "")")
        #expect(try Self.runs(a).count == 1 && Self.runs(b).count == 1)
        let promoted = try #require(finished["candidate_version"] as? Int)
        #expect(
            ServeReplicaTests.waitFor {
                ServeReplicaTests.version(a, "fresh") == promoted && ServeReplicaTests.version(b, "fresh") == promoted
            } != nil, "the replicas did not both serve version \(promoted)")

        // Both replicas asked at the same instant: one run starts, the other gets 409.
        let statuses = StatusLog()
        DispatchQueue.concurrentPerform(iterations: 2) { k in
            statuses.add((k == 0 ? a : b).request("POST", "/v1/tasks/fresh/evolve", body: "{}")?.status ?? 0)
        }
        #expect(statuses.all.sorted() == [202, 409], "\(statuses.all)")
        #expect(
            ServeEvolutionCrashTests.waitUntil(180) {
                (try? Self.runs(a))?.allSatisfy { !["running", "promoting"].contains($0["status"] as? String ?? "") }
                    ?? false
            }, "the second run never finished")

        // Both serve what the second run left (its candidate when promoted); then a rollback on B reaches A.
        let second = try #require(try Self.runs(a).first)
        let before =
            second["status"] as? String == "promoted" ? try #require(second["candidate_version"] as? Int) : promoted
        #expect(
            ServeReplicaTests.waitFor {
                ServeReplicaTests.version(a, "fresh") == before && ServeReplicaTests.version(b, "fresh") == before
            } != nil, "the replicas did not both serve version \(before)")
        #expect(b.request("POST", "/v1/experts/fresh/rollback")?.status == 200)
        let back = try #require(ServeReplicaTests.version(b, "fresh"))
        #expect(back < before)
        #expect(
            ServeReplicaTests.waitFor { ServeReplicaTests.version(a, "fresh") == back } != nil, "A never rolled back")
    }
}

/// Statuses answered to concurrent clients.
final class StatusLog: @unchecked Sendable {  // safe: every access holds `lock`
    private let lock = NSLock()
    private var statuses: [Int] = []
    func add(_ status: Int) { lock.withLock { statuses.append(status) } }
    var all: [Int] { lock.withLock { statuses } }
}
