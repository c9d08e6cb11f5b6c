// Self-evolution's runs and policies on SQLite and PostgreSQL: one active run per task, across connections at
// once; finishing releases the lease; expired leases are recovered from the registry's truth.

import Dispatch
import Foundation
import ServiceStore
import TestSupport
import Testing

@Suite("EvolutionStore")
struct EvolutionStoreTests {
    static func begin(_ store: EvolutionStore, _ task: String, now: Double = 100) throws -> EvolutionRun? {
        try store.begin(
            task: task, mode: "task", trigger: "api", parentVersion: 3, verdicts: 250, leaseSeconds: 60, now: now)
    }

    @Test(arguments: TestBackend.allCases)
    func oneActiveRunPerTaskAndFinishingReleasesIt(_ backend: TestBackend) throws {
        let database = try TestDatabase(backend)
        let store = try EvolutionStore(database: database.connect())
        let run = try #require(try Self.begin(store, "spam"))
        #expect(run.status == .running && run.parentVersion == 3 && run.verdicts == 250 && run.leaseExpiresAt == 160)
        #expect(try Self.begin(store, "spam") == nil, "the task's lease is held")
        #expect(
            try store.begin(
                task: "hate", mode: "task", trigger: "api", parentVersion: 1, verdicts: 0, leaseSeconds: 60, now: 100,
                maxActive: 1) == nil, "one run at a time in all")
        #expect(try Self.begin(store, "hate") != nil, "another task is free")
        try store.finish(
            id: run.id, status: .rejected, candidateVersion: 4, metrics: "{\"gain\": 0}", reasons: ["worse"], now: 130)
        let done = try #require(try store.run(run.id))
        #expect(done.status == .rejected && done.reasons == ["worse"] && done.finishedAt == 130)
        #expect(done.candidateVersion == 4 && done.metrics == "{\"gain\": 0}" && done.leaseExpiresAt == nil)
        let next = try #require(try Self.begin(store, "spam", now: 140))
        #expect(try store.runs(task: "spam").map(\.id) == [next.id, run.id])
        // The policy is stored per task, and survives a new connection.
        try store.setPolicy(task: "spam", json: "{\"every\": 50}", now: 1)
        try store.setPolicy(task: "spam", json: "{\"every\": 70}", now: 2)
        #expect(try EvolutionStore(database: database.connect()).policy(task: "spam") == "{\"every\": 70}")
        #expect(try store.policy(task: "hate") == nil)
        try store.forget(task: "spam")
        #expect(try store.runs(task: "spam").isEmpty && store.policy(task: "spam") == nil)
    }

    /// A trainer that died leaves its run active; once its lease expires, `recover` finishes it: failed, or
    /// promoted when its candidate had reached the registry.
    @Test(arguments: TestBackend.allCases)
    func expiredLeasesAreRecoveredFromTheRegistry(_ backend: TestBackend) throws {
        let database = try TestDatabase(backend)
        let store = try EvolutionStore(database: database.connect())
        let died = try #require(try Self.begin(store, "spam"))
        let promoting = try #require(try Self.begin(store, "hate"))
        try store.markPromoting(id: promoting.id, candidateVersion: 4, sha256: "abc", metrics: "{}", reasons: ["ok"])
        let alive = try #require(try Self.begin(store, "topic", now: 150))
        #expect(try store.renew(id: alive.id, until: 400))
        #expect(try store.recover(now: 120) { _ in true }.isEmpty, "no lease expired yet")
        let recovered = try store.recover(now: 300) { $0.candidateSHA256 == "abc" }
        #expect(recovered.map(\.id) == [died.id, promoting.id])
        #expect(try store.run(died.id)?.status == .failed)
        #expect(try store.run(died.id)?.reasons.last?.contains("interrupted") == true)
        #expect(try store.run(promoting.id)?.status == .promoted)
        #expect(try store.run(alive.id)?.status == .running)
        #expect(try store.renew(id: died.id, until: 500) == false)
    }

    /// The shadow phase: a run that passed on held-back verdicts keeps its candidate's bytes, its task's lease
    /// (but not a training slot), collects tallies, and ends promoted (one replica wins) or rejected at its deadline.
    @Test(arguments: TestBackend.allCases)
    func aShadowRunHoldsItsTaskCollectsTalliesAndEndsOnce(_ backend: TestBackend) throws {
        let database = try TestDatabase(backend)
        let store = try EvolutionStore(database: database.connect())
        let run = try #require(
            try store.begin(
                task: "spam", mode: "task", trigger: "auto", parentVersion: 3, verdicts: 250, leaseSeconds: 60,
                now: 100, maxActive: 1, itemWatermark: 77))
        #expect(run.itemWatermark == 77)
        #expect(
            try store.enterShadow(
                id: run.id, candidateVersion: 4, sha256: "abc", candidate: [1, 2, 3], metrics: "{}",
                reasons: ["better"], until: 1000))
        #expect(try store.shadows().map(\.id) == [run.id])
        #expect(try store.candidate(id: run.id) == [1, 2, 3])
        #expect(try Self.begin(store, "spam") == nil, "a shadowing run holds its task")
        let other = try store.begin(
            task: "hate", mode: "task", trigger: "api", parentVersion: 1, verdicts: 0, leaseSeconds: 60, now: 100,
            maxActive: 1)
        #expect(other != nil, "a shadow does not take the one training slot")
        try store.tallyShadow(id: run.id, texts: 10, automatic: 6, agreed: 3)
        try store.tallyShadow(id: run.id, texts: 5, automatic: 1, agreed: 5)
        var now = try #require(try store.run(run.id))
        #expect(now.shadowTexts == 15 && now.shadowAutomatic == 7 && now.shadowAgreed == 8)
        // Its trainer is gone by design: abandoning it before the deadline changes nothing.
        try store.abandon(now, why: "exited", now: 200, registered: { _ in false })
        #expect(try store.run(run.id)?.status == .shadow)
        // Two replicas judge it: one marks it promoting, the other finds it gone.
        let replica = try EvolutionStore(database: database.connect())
        #expect(
            try store.markPromoting(
                id: run.id, from: .shadow, candidateVersion: 4, sha256: "abc", metrics: "{}", reasons: [], until: 300))
        #expect(
            try !replica.markPromoting(
                id: run.id, from: .shadow, candidateVersion: 4, sha256: "abc", metrics: "{}", reasons: []))
        now = try #require(try store.run(run.id))
        #expect(now.status == .promoting && now.leaseExpiresAt == 300)
        // A second shadow that no audit verdicts judge is rejected at its deadline.
        try store.finish(id: run.id, status: .promoted, metrics: nil, reasons: [], now: 310)
        let late = try #require(try Self.begin(store, "spam", now: 400))
        try store.enterShadow(
            id: late.id, candidateVersion: 5, sha256: "def", candidate: [9], metrics: "{}", reasons: [], until: 500)
        #expect(try !store.recover(now: 450, registered: { _ in false }).contains { $0.id == late.id })
        #expect(try store.recover(now: 600, registered: { _ in false }).map(\.id) == [late.id])
        let ended = try #require(try store.run(late.id))
        #expect(ended.status == .rejected && ended.reasons.last?.contains("shadow phase ended") == true)
        #expect(try store.shadows().isEmpty)
    }

    /// Two connections (replicas) start a run of one task at once, many times: exactly one wins each time.
    @Test(arguments: TestBackend.allCases)
    func twoReplicasNeverHoldOneTaskAtOnce(_ backend: TestBackend) throws {
        let database = try TestDatabase(backend)
        let replicas = try (0..<2).map { _ in try EvolutionStore(database: database.connect()) }
        for round in 0..<8 {
            let won = LockedCounter()
            DispatchQueue.concurrentPerform(iterations: 2) { k in
                do {
                    if let run = try Self.begin(replicas[k], "spam", now: Double(round)) {
                        won.add(run.id)
                    }
                } catch {
                    won.fail("\(error)")
                }
            }
            #expect(won.errors.isEmpty, "\(won.errors)")
            #expect(won.ids.count == 1, "round \(round): \(won.ids.count) runs started")
            if let id = won.ids.first {
                try replicas[0].finish(id: id, status: .rejected, metrics: nil, reasons: [], now: Double(round))
            }
        }
    }
}

/// Thread-safe record of which runs started and what failed.
final class LockedCounter: @unchecked Sendable {  // safe: every access holds the lock
    private let lock = NSLock()
    private var started: [Int64] = [], failures: [String] = []
    func add(_ id: Int64) { lock.withLock { started.append(id) } }
    func fail(_ error: String) { lock.withLock { failures.append(error) } }
    var ids: [Int64] { lock.withLock { started } }
    var errors: [String] { lock.withLock { failures } }
}
