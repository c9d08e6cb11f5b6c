// The review queue on SQLite and on PostgreSQL (one test body, both backends): leases, verdicts once, counts,
// state that survives reopening, and claims and verdicts from two connections at once that never collide.

import Dispatch
import Foundation
import ServiceStore
import TestSupport
import Testing

@Suite("ReviewStore")
struct ReviewStoreTests {
    static func add(
        _ store: ReviewStore, _ task: String, _ text: String, kind: ReviewItem.Kind = .review, now: Double = 100
    ) throws -> Int64 {
        try store.enqueue(
            task: task, expertVersion: 2, text: text, labels: ["compliant", "violating"], scores: [0.55, 0.45],
            label: "compliant", decision: kind == .review ? "review" : "white", kind: kind, now: now)
    }

    @Test(arguments: TestBackend.allCases)
    func claimsLeaseItemsOldestFirstAndExpiredLeasesReturnThem(_ backend: TestBackend) throws {
        let database = try TestDatabase(backend)
        let store = try ReviewStore(database: database.connect())
        let a = try Self.add(store, "spam", "a"), b = try Self.add(store, "spam", "b"),
            c = try Self.add(store, "hate", "c")
        let first = try store.claim(task: "spam", limit: 1, leaseSeconds: 60, now: 200)
        #expect(first.map(\.id) == [a] && first[0].leaseExpiresAt == 260 && first[0].scores == [0.55, 0.45])
        #expect(try store.claim(task: nil, limit: 10, leaseSeconds: 60, now: 210).map(\.id) == [b, c])
        #expect(try store.claim(task: nil, limit: 10, leaseSeconds: 60, now: 220).isEmpty)
        // Leases of a and b expired at 260 and 270: a is claimable again at 265, b too at 270.
        #expect(try store.claim(task: "spam", limit: 10, leaseSeconds: 60, now: 265).map(\.id) == [a])
        #expect(try store.claim(task: "spam", limit: 10, leaseSeconds: 60, now: 270).map(\.id) == [b])
        #expect(try store.tasks() == ["hate", "spam"])
    }

    @Test(arguments: TestBackend.allCases)
    func verdictsAreRecordedOnceAndValidated(_ backend: TestBackend) throws {
        let database = try TestDatabase(backend)
        let store = try ReviewStore(database: database.connect())
        let id = try Self.add(store, "spam", "x")
        #expect(try store.verdict(id: id, label: "spam!", now: 1) == .invalidLabel(labels: ["compliant", "violating"]))
        #expect(try store.verdict(id: id, label: "violating", now: 1) == .recorded)
        #expect(try store.verdict(id: id, label: "violating", now: 2) == .alreadyRecorded)
        #expect(try store.verdict(id: id, label: "compliant", now: 3) == .conflict(existing: "violating"))
        #expect(try store.verdict(id: 999, label: "compliant", now: 3) == .notFound)
        // Decided items are never claimed again.
        #expect(try store.claim(task: nil, limit: 10, leaseSeconds: 1, now: 10).isEmpty)
        #expect(try store.verdicts(task: "spam").map(\.verdict) == ["violating"])
    }

    @Test(arguments: TestBackend.allCases)
    func statsCountOpenLeasedDecidedAndAgreed(_ backend: TestBackend) throws {
        let database = try TestDatabase(backend)
        let store = try ReviewStore(database: database.connect())
        let ids = try (0..<4).map { try Self.add(store, "spam", "t\($0)") }
        let audit = try Self.add(store, "spam", "ok", kind: .audit)
        _ = try store.claim(task: "spam", limit: 1, leaseSeconds: 100, now: 0)
        #expect(try store.verdict(id: ids[1], label: "violating", now: 0) == .recorded)
        #expect(try store.verdict(id: audit, label: "compliant", now: 0) == .recorded)
        let stats = try store.stats(now: 50)
        #expect(
            stats == [
                ReviewStats(task: "spam", kind: "audit", open: 0, leased: 0, decided: 1, agreed: 1),
                ReviewStats(task: "spam", kind: "review", open: 2, leased: 1, decided: 1, agreed: 0),
            ])
    }

    @Test(arguments: TestBackend.allCases)
    func stateSurvivesReopening(_ backend: TestBackend) throws {
        let database = try TestDatabase(backend)
        var id: Int64 = 0
        do {
            let store = try ReviewStore(database: database.connect())
            id = try Self.add(store, "spam", "kept ✓ \u{1F600}")
            #expect(try store.verdict(id: id, label: "compliant", now: 5) == .recorded)
        }
        let reopened = try ReviewStore(database: database.connect())
        #expect(try reopened.item(id)?.verdict == "compliant" && reopened.item(id)?.text == "kept ✓ \u{1F600}")
    }

    @Test func aMissingFolderIsAClearError() throws {
        #expect(throws: StoreError.self) { try SQLiteDatabase(path: "/nonexistent-moecl-folder/no/dir.sqlite") }
    }

    /// Two connections (two replicas) claim one item at a time, at once, until the queue is empty: every item
    /// is handed out exactly once.
    @Test(arguments: TestBackend.allCases)
    func concurrentClaimsFromTwoConnectionsNeverOverlap(_ backend: TestBackend) throws {
        let database = try TestDatabase(backend)
        let setup = try ReviewStore(database: database.connect())
        let ids = try setup.enqueue(
            (0..<60).map {
                NewReviewItem(
                    task: "spam", expertVersion: 1, text: "t\($0)", labels: ["a", "b"], scores: [0.5, 0.5], label: "a",
                    decision: "review", kind: .review)
            }, now: 1)
        let replicas = try (0..<2).map { _ in try ReviewStore(database: database.connect()) }
        let claimed = ClaimLog()
        DispatchQueue.concurrentPerform(iterations: 2) { k in
            while true {
                do {
                    let items = try replicas[k].claim(task: nil, limit: 1, leaseSeconds: 600, now: 10)
                    guard let item = items.first else { return }
                    claimed.add(item.id, by: k)
                } catch {
                    claimed.fail("\(error)")
                    return
                }
            }
        }
        #expect(claimed.errors.isEmpty, "\(claimed.errors)")
        #expect(claimed.all.sorted() == ids, "an item was claimed twice or never")
        #expect(claimed.by(0).count + claimed.by(1).count == ids.count)
    }

    /// Two connections record different verdicts for one item at once: exactly one wins, the other sees the
    /// conflict.
    @Test(arguments: TestBackend.allCases)
    func concurrentVerdictsOnOneItemRecordOnlyOne(_ backend: TestBackend) throws {
        let database = try TestDatabase(backend)
        let replicas = try (0..<2).map { _ in try ReviewStore(database: database.connect()) }
        for round in 0..<10 {
            let id = try Self.add(replicas[0], "spam", "r\(round)")
            let outcomes = Outcomes()
            DispatchQueue.concurrentPerform(iterations: 2) { k in
                outcomes.add(
                    Result { try replicas[k].verdict(id: id, label: k == 0 ? "compliant" : "violating", now: 1) })
            }
            let results = outcomes.all.compactMap { try? $0.get() }
            #expect(results.count == 2 && results.filter { $0 == .recorded }.count == 1, "\(outcomes.all)")
            #expect(results.contains { if case .conflict = $0 { true } else { false } }, "\(outcomes.all)")
        }
    }
}

/// Thread-safe record of who claimed what.
final class ClaimLog: @unchecked Sendable {  // safe: state only touched under `lock`
    private let lock = NSLock()
    private var claims: [(Int64, Int)] = []
    private(set) var errors: [String] = []
    func add(_ id: Int64, by replica: Int) { lock.withLock { claims.append((id, replica)) } }
    func fail(_ message: String) { lock.withLock { errors.append(message) } }
    var all: [Int64] { lock.withLock { claims.map(\.0) } }
    func by(_ replica: Int) -> [Int64] { lock.withLock { claims.filter { $0.1 == replica }.map(\.0) } }
}

/// Thread-safe list of verdict outcomes.
final class Outcomes: @unchecked Sendable {  // safe: state only touched under `lock`
    private let lock = NSLock()
    private var results: [Result<VerdictOutcome, Error>] = []
    func add(_ result: Result<VerdictOutcome, Error>) { lock.withLock { results.append(result) } }
    var all: [Result<VerdictOutcome, Error>] { lock.withLock { results } }
}

@Suite("ReviewStore claim order")
struct ReviewClaimOrderTests {
    static func add(_ store: ReviewStore, _ text: String, scores: [Double], sampled: Bool = false, now: Double)
        throws -> Int64
    {
        try store.enqueue(
            [
                NewReviewItem(
                    task: "spam", expertVersion: 1, text: text, labels: ["compliant", "violating"], scores: scores,
                    label: "compliant", decision: "review", kind: .review, sampled: sampled)
            ], now: now)[0]
    }

    @Test(arguments: TestBackend.allCases)
    func sampledFirstThenOverdueThenByMarginOrAge(_ backend: TestBackend) throws {
        let database = try TestDatabase(backend)
        let store = try ReviewStore(database: database.connect())
        let sure = try Self.add(store, "sure", scores: [0.95, 0.05], now: 100)  // margin 0.9, the oldest
        let unsure = try Self.add(store, "unsure", scores: [0.52, 0.48], now: 200)  // margin 0.04
        let middle = try Self.add(store, "middle", scores: [0.7, 0.3], now: 300)  // margin 0.4
        let sampled = try Self.add(store, "sampled", scores: [0.99, 0.01], sampled: true, now: 400)
        func order(_ order: ClaimOrder, maxWait: Double = .infinity) throws -> [Int64] {
            let items = try store.claim(
                task: nil, limit: 10, leaseSeconds: 1, now: 1_000, order: order, maxWaitSeconds: maxWait)
            return items.map(\.id)
        }
        #expect(try order(.informative) == [sampled, unsure, middle, sure])
        #expect(try order(.oldest, maxWait: .infinity).isEmpty, "all leased until 1,001")
        let later = try store.claim(task: nil, limit: 10, leaseSeconds: 1, now: 2_000, order: .oldest)
        #expect(later.map(\.id) == [sampled, sure, unsure, middle])
        #expect(later.first?.sampled == true && later.last?.sampled == false)
        // Items older than the age limit first: at 3,000 with a 2,850 s limit, only "sure" (100) is overdue.
        let aged = try store.claim(
            task: nil, limit: 10, leaseSeconds: 1, now: 3_000, order: .informative, maxWaitSeconds: 2_850)
        #expect(aged.map(\.id) == [sampled, sure, unsure, middle])
    }

    /// An untrained expert's items (every score equal) rank last; a trained candidate's margins, refreshed into the
    /// open items, reorder them; an item with a verdict keeps its margin.
    @Test(arguments: TestBackend.allCases)
    func refreshedMarginsReorderTheInformativeClaims(_ backend: TestBackend) throws {
        let database = try TestDatabase(backend)
        let store = try ReviewStore(database: database.connect())
        let first = try Self.add(store, "first", scores: [0.5, 0.5], now: 100)
        let second = try Self.add(store, "second", scores: [0.5, 0.5], now: 200)
        let third = try Self.add(store, "third", scores: [0.5, 0.5], now: 300)
        let sampled = try Self.add(store, "sampled", scores: [0.5, 0.5], sampled: true, now: 400)
        let open = try store.openUnsampled(task: "spam", limit: 10)
        #expect(open.map(\.id) == [third, second, first], "newest first, sampled left out")
        #expect(open.map(\.text) == ["third", "second", "first"])
        #expect(try store.openUnsampled(task: "spam", limit: 2).count == 2)
        #expect(try store.verdict(id: first, label: "compliant", now: 500) == .recorded)
        try store.refreshMargins([(third, 0.1), (second, 0.6), (first, 0.0)])
        let claimed = try store.claim(task: "spam", limit: 10, leaseSeconds: 1, now: 1_000, order: .informative)
        #expect(claimed.map(\.id) == [sampled, third, second])
        // A trained expert's new item with a smaller margin goes before them; an untrained one's behind.
        let unsure = try Self.add(store, "unsure", scores: [0.52, 0.48], now: 600)
        let unknown = try Self.add(store, "unknown", scores: [0.5, 0.5], now: 700)
        let later = try store.claim(task: "spam", limit: 10, leaseSeconds: 1, now: 2_000, order: .informative)
        #expect(later.map(\.id) == [sampled, unsure, third, second, unknown])
    }
}
