// The review queue in SQLite: leases, verdicts once, counts, and state that survives reopening the file.

import Foundation
import ServiceStore
import TestSupport
import Testing

@Suite("ReviewStore")
struct ReviewStoreTests {
    static func add(_ store: ReviewStore, _ task: String, _ text: String, kind: ReviewItem.Kind = .review, now: Double = 100) throws -> Int64 {
        try store.enqueue(task: task, expertVersion: 2, text: text, labels: ["compliant", "violating"], scores: [0.55, 0.45],
                          label: "compliant", decision: kind == .review ? "review" : "white", kind: kind, now: now)
    }

    @Test func claimsLeaseItemsOldestFirstAndExpiredLeasesReturnThem() throws {
        let store = try ReviewStore(database: SQLiteDatabase(path: ":memory:"))
        let a = try Self.add(store, "spam", "a"), b = try Self.add(store, "spam", "b"), c = try Self.add(store, "hate", "c")
        let first = try store.claim(task: "spam", limit: 1, leaseSeconds: 60, now: 200)
        #expect(first.map(\.id) == [a] && first[0].leaseExpiresAt == 260 && first[0].scores == [0.55, 0.45])
        #expect(try store.claim(task: nil, limit: 10, leaseSeconds: 60, now: 210).map(\.id) == [b, c])
        #expect(try store.claim(task: nil, limit: 10, leaseSeconds: 60, now: 220).isEmpty)
        // Leases of a and b expired at 260 and 270: a is claimable again at 265, b too at 270.
        #expect(try store.claim(task: "spam", limit: 10, leaseSeconds: 60, now: 265).map(\.id) == [a])
        #expect(try store.claim(task: "spam", limit: 10, leaseSeconds: 60, now: 270).map(\.id) == [b])
    }

    @Test func verdictsAreRecordedOnceAndValidated() throws {
        let store = try ReviewStore(database: SQLiteDatabase(path: ":memory:"))
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

    @Test func statsCountOpenLeasedDecidedAndAgreed() throws {
        let store = try ReviewStore(database: SQLiteDatabase(path: ":memory:"))
        let ids = try (0..<4).map { try Self.add(store, "spam", "t\($0)") }
        let audit = try Self.add(store, "spam", "ok", kind: .audit)
        _ = try store.claim(task: "spam", limit: 1, leaseSeconds: 100, now: 0)
        #expect(try store.verdict(id: ids[1], label: "violating", now: 0) == .recorded)
        #expect(try store.verdict(id: audit, label: "compliant", now: 0) == .recorded)
        let stats = try store.stats(now: 50)
        #expect(stats == [
            ReviewStats(task: "spam", kind: "audit", open: 0, leased: 0, decided: 1, agreed: 1),
            ReviewStats(task: "spam", kind: "review", open: 2, leased: 1, decided: 1, agreed: 0),
        ])
    }

    @Test func stateSurvivesReopeningTheFile() throws {
        let folder = TestPaths.temporaryFolder("moecl-store")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent("state.sqlite").path
        var id: Int64 = 0
        do {
            let store = try ReviewStore(database: SQLiteDatabase(path: path))
            id = try Self.add(store, "spam", "kept")
            #expect(try store.verdict(id: id, label: "compliant", now: 5) == .recorded)
        }
        let reopened = try ReviewStore(database: SQLiteDatabase(path: path))
        #expect(try reopened.item(id)?.verdict == "compliant" && reopened.item(id)?.text == "kept")
        #expect(throws: StoreError.self) { try SQLiteDatabase(path: folder.appendingPathComponent("no/such/dir.sqlite").path) }
    }
}
