// End-to-end, two replicas: two `moecl serve` processes on loopback share one real PostgreSQL (started by the
// test in a temporary folder). An expert change on A is served by B within the catch-up delay; a review item
// claimed on A cannot be claimed on B; A's decisions and verdicts show in B's stats; after kill -9 of A, B goes
// on and nothing A acknowledged is lost.

import Foundation
import ModelFormats
import ServiceStore
import TestSupport
import Testing

@Suite("moecl serve, two replicas on PostgreSQL (binary)")
struct ServeReplicaTests {
    typealias Server = ServeCommandTests.Server

    /// The catch-up interval the replicas run with, and the delay the tests allow for a change to reach the
    /// other replica: docs/DEPLOY.md states "within about one interval plus the load time"; the bound here is
    /// generous because this machine is shared and noisy.
    static let syncSeconds = 1.0
    static let allowedDelay = 10.0

    /// A tiny model and bundle, a fresh PostgreSQL database, and replica arguments with their own state folders.
    final class Deployment: @unchecked Sendable {  // safe: immutable after init
        let tiny: TinyMoE
        let bundle: String
        let database: TestDatabase
        let folders: [URL]

        init() throws {
            tiny = try TinyMoE()
            bundle = try tiny.writeBundle()
            database = try TestDatabase(.postgres)
            folders = (0..<3).map { _ in TestPaths.temporaryFolder("moecl-replica") }
        }

        deinit {
            tiny.remove()
            for folder in folders { try? FileManager.default.removeItem(at: folder) }
        }

        func replica(_ k: Int, _ extra: [String] = []) throws -> Server {
            try Server(
                arguments: [
                    "--model", tiny.modelPath, "--experts", bundle, "--state", folders[k].path,
                    "--database-url", database.url, "--expert-sync-seconds", "\(ServeReplicaTests.syncSeconds)",
                    "--audit-rate", "0",
                ] + extra)
        }
    }

    /// The version `server` serves for `task` (nil: unknown task).
    static func version(_ server: Server, _ task: String) -> Int? {
        guard let r = server.request("POST", "/v1/classify", body: "{\"task\": \"\(task)\", \"text\": \"x\"}"),
            r.status == 200,
            let body = try? JSONSerialization.jsonObject(with: Data(r.body.utf8)) as? [String: Any]
        else { return nil }
        return ((body["results"] as? [[String: Any]])?.first?["expert"] as? [String: Any])?["version"] as? Int
    }

    /// Polls `condition` until it holds or `allowedDelay` passes; returns the seconds it took (nil: never).
    static func waitFor(_ condition: () throws -> Bool) rethrows -> Double? {
        let start = Date()
        while Date().timeIntervalSince(start) < allowedDelay {
            if try condition() { return Date().timeIntervalSince(start) }
            usleep(50_000)
        }
        return nil
    }

    @Test func expertChangesOnAReachBAndANewReplicaStartsWithThem() throws {
        let deployment = try Deployment()
        let a = try deployment.replica(0), b = try deployment.replica(1)
        defer { _ = a.stop(); _ = b.stop() }
        #expect(Self.version(a, "spam") == 1 && Self.version(b, "spam") == 1)
        // Upload on A: B serves it.
        let v2 = try ServeCommandTests.expertFile(deployment.tiny, task: "spam", version: 2)
        #expect(a.request("PUT", "/v1/experts/spam", raw: v2)?.status == 201)
        let upload = Self.waitFor { Self.version(b, "spam") == 2 }
        #expect(upload != nil, "B never served version 2 uploaded to A")
        let (_, listed) = try b.json("GET", "/v1/experts")
        let spam = (listed["tasks"] as? [[String: Any]])?.first { $0["task"] as? String == "spam" }
        #expect(spam?["sha256"] as? String == FileDigest.sha256(v2))
        // Rollback on B (to the bundle's expert): A serves version 1 again.
        #expect(b.request("POST", "/v1/experts/spam/rollback")?.status == 200)
        let rollback = Self.waitFor { Self.version(a, "spam") == 1 }
        #expect(rollback != nil, "A never rolled back")
        // Delete on A: B stops serving the task.
        #expect(a.request("DELETE", "/v1/experts/hate")?.status == 200)
        let deletion = Self.waitFor {
            b.request("POST", "/v1/classify", body: "{\"task\": \"hate\", \"text\": \"x\"}")?.status == 404
        }
        #expect(deletion != nil, "B still serves a task deleted on A")
        // Thresholds set on B (a new upload of the same version) reach A.
        #expect(
            b.request(
                "PUT", "/v1/tasks/spam/thresholds", body: "{\"thresholds\": {\"violating\": 0.25, \"compliant\": 0.99}}"
            )?.status == 200)
        let thresholds = Self.waitFor {
            (try? a.json("GET", "/v1/experts"))?.1["tasks"].flatMap {
                ($0 as? [[String: Any]])?.first { $0["task"] as? String == "spam" }
            }
            .flatMap { ($0["calibration"] as? [String: Any])?["thresholds"] as? [String: Any] }?["violating"] as? Double
                == 0.25
        }
        #expect(thresholds != nil, "A never took B's thresholds")
        // Both replicas report the same registry generation once caught up.
        let generations = Self.waitFor {
            let lines = [a, b].map {
                ($0.request("GET", "/metrics")?.body ?? "").split(separator: "\n").first {
                    $0.hasPrefix("moecl_registry_generation ")
                }
            }
            return lines[0] != nil && lines[0] == lines[1]
        }
        #expect(generations != nil, "the replicas' moecl_registry_generation never agreed")
        let reached = [upload, rollback, deletion, thresholds].map {
            $0.map { String(format: "%.2f s", $0) } ?? "never"
        }
        print("replicas: reached the other replica after \(reached) (catch-up every \(Self.syncSeconds) s)")
        // A replica started later, with an empty state folder, serves the same: the files come from the database.
        let c = try deployment.replica(2)
        defer { _ = c.stop() }
        #expect(Self.version(c, "spam") == 1)
        #expect(c.request("POST", "/v1/classify", body: "{\"task\": \"hate\", \"text\": \"x\"}")?.status == 404)
        #expect(
            c.request(
                "PUT", "/v1/experts/hate",
                raw: try ServeCommandTests.expertFile(deployment.tiny, task: "hate", version: 4))?.status == 201)
        #expect(
            Self.waitFor { Self.version(a, "hate") == 4 && Self.version(b, "hate") == 4 } != nil,
            "an upload to C did not reach A and B")
    }

    /// A registry row whose bytes do not match its checksum (a damaged row, or a write that went wrong) is never
    /// loaded: the running replica keeps serving, a new replica starts on the bundle's expert, and a good upload
    /// afterwards is served by both.
    @Test func aCorruptExpertInTheSharedRegistryIsRefusedAndReplicasKeepServing() throws {
        let deployment = try Deployment()
        let a = try deployment.replica(0)
        defer { _ = a.stop() }
        let good = try ServeCommandTests.expertFile(deployment.tiny, task: "spam", version: 7)
        var bad = good
        bad[bad.count / 2] ^= 0xff
        let registry = try ExpertRegistry(database: PostgresDatabase(url: deployment.database.url))
        try registry.register(
            task: "spam", version: 7, sha256: FileDigest.sha256(good), path: "/nonexistent/spam.safetensors",
            content: bad, now: 1)
        let refused = Self.waitFor {
            (a.request("GET", "/metrics")?.body ?? "").contains("moecl_expert_loads_total{result=\"invalid\"} 1")
        }
        #expect(refused != nil, "the corrupt expert was not reported")
        #expect(Self.version(a, "spam") == 1)
        let b = try deployment.replica(1)
        defer { _ = b.stop() }
        #expect(Self.version(b, "spam") == 1)
        #expect(a.request("PUT", "/v1/experts/spam", raw: good)?.status == 201)
        #expect(Self.version(a, "spam") == 7)
        #expect(Self.waitFor { Self.version(b, "spam") == 7 } != nil, "B never served the good upload")
    }

    @Test func aReviewItemClaimedOnACannotBeClaimedOnBAndVerdictsShowInBsStats() throws {
        let deployment = try Deployment()
        // No random sample: sampled items are claimed first, which would reorder the ids this test expects.
        let unsampled = ["--sample-rate", "0"]
        let a = try deployment.replica(0, unsampled), b = try deployment.replica(1, unsampled)
        defer { _ = a.stop(); _ = b.stop() }
        // The tiny experts have no calibration: every text goes to review.
        let (_, classified) = try a.json(
            "POST", "/v1/classify", "{\"task\": \"spam\", \"texts\": [\"a\", \"b\", \"c\", \"d\"]}")
        let ids = (classified["results"] as? [[String: Any]] ?? []).compactMap { $0["review_id"] as? Int }
        #expect(ids.count == 4)
        // Oldest first: the four texts score alike, and the informative order would rank them by float noise.
        let (_, onA) = try a.json(
            "POST", "/v1/review/claim", "{\"limit\": 2, \"lease_seconds\": 600, \"order\": \"oldest\"}")
        let (_, onB) = try b.json(
            "POST", "/v1/review/claim", "{\"limit\": 10, \"lease_seconds\": 600, \"order\": \"oldest\"}")
        let claimedA = (onA["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? Int }
        let claimedB = (onB["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? Int }
        #expect(claimedA == Array(ids.prefix(2)) && claimedB == Array(ids.suffix(2)), "A \(claimedA), B \(claimedB)")
        let (_, again) = try a.json("POST", "/v1/review/claim", "{\"limit\": 10}")
        #expect((again["items"] as? [Any])?.isEmpty == true)
        // Many claims at once on both replicas: every item is handed out exactly once.
        let (_, more) = try b.json(
            "POST", "/v1/classify",
            "{\"task\": \"hate\", \"texts\": [\((0..<40).map { "\"t\($0)\"" }.joined(separator: ","))]}")
        let moreIds = Set((more["results"] as? [[String: Any]] ?? []).compactMap { $0["review_id"] as? Int })
        #expect(moreIds.count == 40)
        let claims = ClaimLog()
        DispatchQueue.concurrentPerform(iterations: 4) { k in
            let server = k % 2 == 0 ? a : b
            while let (status, body) = try? server.json(
                "POST", "/v1/review/claim", "{\"task\": \"hate\", \"limit\": 3}"), status == 200,
                let items = body["items"] as? [[String: Any]], !items.isEmpty
            {
                for item in items { claims.add(item["id"] as? Int ?? -1) }
            }
        }
        #expect(claims.all.count == 40 && Set(claims.all) == moreIds, "\(claims.all.count) claims of 40 items")
        // A verdict on A is final on B too, and counts in B's review stats.
        #expect(a.request("POST", "/v1/review/\(ids[0])/verdict", body: "{\"label\": \"violating\"}")?.status == 201)
        #expect(b.request("POST", "/v1/review/\(ids[0])/verdict", body: "{\"label\": \"compliant\"}")?.status == 409)
        #expect(b.request("POST", "/v1/review/\(ids[2])/verdict", body: "{\"label\": \"compliant\"}")?.status == 201)
        let (_, reviewStats) = try b.json("GET", "/v1/review/stats")
        let spamQueue = (reviewStats["queues"] as? [[String: Any]])?.first { $0["task"] as? String == "spam" }
        #expect(spamQueue?["decided"] as? Int == 2, "\(reviewStats)")
        // Decisions made on A (4 spam) and B (40 hate) count in either replica's /v1/stats once flushed (≤ 1 s).
        let counted = Self.waitFor {
            guard let (_, stats) = try? b.json("GET", "/v1/stats"),
                let windows = stats["windows"] as? [String: [String: [String: Any]]]
            else { return false }
            return windows["5m"]?["spam"]?["review"] as? Int == 4 && windows["5m"]?["hate"]?["review"] as? Int == 40
        }
        #expect(counted != nil, "B's /v1/stats never showed A's decisions")
        // And in A's reject rate, once B flushed its own counts.
        let rated = Self.waitFor {
            ((try? a.json("GET", "/v1/stats/reject-rate?window=5m"))?.1["counts"] as? [String: Any])?["total"] as? Int
                == 44
        }
        #expect(rated != nil, "A's reject rate never counted B's decisions")
    }

    @Test func afterKill9OfAReplicaBGoesOnAndNothingAcknowledgedIsLost() throws {
        let deployment = try Deployment()
        let a = try deployment.replica(0), b = try deployment.replica(1)
        defer { _ = b.stop() }
        let (items, verdicts) = try ServeCrashTests.loadThenKill9(a, untilVerdicts: 100)
        // B goes on serving, with no restart, and has everything A acknowledged.
        #expect(Self.version(b, "spam") == 1)
        try ServeCrashTests.expectNothingLost(
            items: items, verdicts: verdicts, claimingFrom: b,
            export: ["--database-url", deployment.database.url])
        let some = try #require(verdicts.first)
        #expect(
            b.request("POST", "/v1/review/\(some.key)/verdict", body: "{\"label\": \"\(some.value)\"}")?.status == 200)
        print(
            "replicas: \(items.count) items and \(verdicts.count) verdicts acknowledged by A before kill -9, "
                + "all found through B"
        )
    }
}

/// Review ids claimed by concurrent clients.
final class ClaimLog: @unchecked Sendable {  // safe: every access holds `lock`
    private let lock = NSLock()
    private var ids: [Int] = []
    func add(_ id: Int) { lock.withLock { ids.append(id) } }
    var all: [Int] { lock.withLock { ids } }
}
