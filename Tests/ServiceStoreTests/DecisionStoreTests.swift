// Decision counts and the decisions log on SQLite and PostgreSQL: buffered then flushed, windows by minute,
// survive reopening, retention, and two writers (replicas) adding into the same counts.

import Foundation
import ServiceStore
import TestSupport
import Testing

@Suite("DecisionStore")
struct DecisionStoreTests {
    @Test(arguments: TestBackend.allCases)
    func countsWindowsIncludingUnflushedAndAfterReopen(_ backend: TestBackend) throws {
        let database = try TestDatabase(backend)
        let now = 1_000_000.0 * 60
        do {
            let store = try DecisionStore(database: database.connect())
            store.record(task: "spam", decision: "white", now: now - 7200)  // two hours ago
            store.record(task: "spam", decision: "black", now: now - 120)
            store.record(task: "spam", decision: "review", now: now - 30)
            try store.flush()
            store.record(task: "hate", decision: "white", now: now)  // buffered only
            #expect(
                try store.counts(lastSeconds: 300, now: now) == [
                    "spam": ["black": 1, "review": 1], "hate": ["white": 1],
                ])
            #expect(try store.counts(lastSeconds: nil, now: now)["spam"] == ["white": 1, "black": 1, "review": 1])
            try store.flush()
            try store.flush()  // nothing buffered: no change
        }
        let reopened = try DecisionStore(database: database.connect())
        #expect(
            try reopened.counts(lastSeconds: 3600, now: now) == [
                "spam": ["black": 1, "review": 1], "hate": ["white": 1],
            ])
        reopened.record(task: "spam", decision: "black", now: now - 120)
        try reopened.flush()
        #expect(try reopened.counts(lastSeconds: 3600, now: now)["spam"]?["black"] == 2)
        try reopened.prune(olderThan: 3600, now: now)
        #expect(try reopened.counts(lastSeconds: nil, now: now)["spam"]?["white"] == nil)
    }

    /// Two replicas count into one database: each reads the sum of both once flushed.
    @Test(arguments: TestBackend.allCases)
    func twoWritersAddIntoTheSameCounts(_ backend: TestBackend) throws {
        let database = try TestDatabase(backend)
        let a = try DecisionStore(database: database.connect()), b = try DecisionStore(database: database.connect())
        let now = 600_000.0
        for _ in 0..<3 { a.record(task: "spam", decision: "black", now: now) }
        for _ in 0..<2 { b.record(task: "spam", decision: "black", now: now) }
        b.record(task: "spam", decision: "review", now: now)
        try a.flush()
        try b.flush()
        #expect(try a.counts(lastSeconds: 3600, now: now) == ["spam": ["black": 5, "review": 1]])
        #expect(try b.counts(lastSeconds: 3600, now: now) == ["spam": ["black": 5, "review": 1]])
    }
}

@Suite("DecisionLog")
struct DecisionLogTests {
    static func entry(_ at: Double, _ task: String) -> LoggedDecision {
        LoggedDecision(
            at: at, task: task, expertVersion: 2, decision: "white", label: "compliant", score: 0.97, textSHA256: "ab")
    }

    @Test(arguments: TestBackend.allCases)
    func buffersFlushesQueriesAndPrunesByAge(_ backend: TestBackend) throws {
        let database = try TestDatabase(backend)
        let log = try DecisionLog(database: database.connect(), maxBuffered: 3)
        log.append(Self.entry(100, "spam"))
        log.append(Self.entry(200, "hate"))
        #expect(try log.recent(limit: 10).isEmpty)  // buffered, not yet written
        try log.flush()
        log.append(Self.entry(300, "spam"))
        try log.flush()
        #expect(try log.recent(limit: 10).map(\.at) == [300, 200, 100])
        #expect(try log.recent(task: "spam", limit: 1) == [Self.entry(300, "spam")])
        #expect(try log.prune(olderThan: 150, now: 400) == 2)  // keeps at ≥ 250
        #expect(try log.recent(limit: 10).map(\.at) == [300])
        // A full buffer drops its oldest rows instead of growing.
        for k in 0..<5 { log.append(Self.entry(Double(1000 + k), "spam")) }
        #expect(log.droppedCount == 2)
        try log.flush()
        #expect(try log.recent(limit: 3).map(\.at) == [1004, 1003, 1002])
    }

    /// A flush larger than one INSERT statement's rows is written whole and in order.
    @Test(arguments: TestBackend.allCases)
    func largeFlushesSpanSeveralStatements(_ backend: TestBackend) throws {
        let database = try TestDatabase(backend)
        let log = try DecisionLog(database: database.connect())
        for k in 0..<450 { log.append(Self.entry(Double(k), k % 3 == 0 ? "hate" : "spam")) }
        try log.flush()
        #expect(try log.recent(limit: 1000).map(\.at) == (0..<450).reversed().map(Double.init))
        #expect(try log.recent(task: "hate", limit: 1000).count == 150)
        let counts = try DecisionStore(database: database.connect())
        for minute in 0..<300 {
            counts.record(task: "spam", decision: minute % 2 == 0 ? "black" : "white", now: Double(minute * 60))
        }
        try counts.flush()
        #expect(try counts.counts(lastSeconds: nil, now: 300 * 60) == ["spam": ["black": 150, "white": 150]])
    }
}
