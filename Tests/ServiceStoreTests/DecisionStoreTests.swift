// Decision counts: buffered then flushed, windows by minute, survive reopening, retention.

import Foundation
import ServiceStore
import TestSupport
import Testing

@Suite("DecisionStore")
struct DecisionStoreTests {
    @Test func countsWindowsIncludingUnflushedAndAfterReopen() throws {
        let folder = TestPaths.temporaryFolder("moecl-decisions")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent("s.sqlite").path
        let now = 1_000_000.0 * 60
        do {
            let store = try DecisionStore(database: SQLiteDatabase(path: path))
            store.record(task: "spam", decision: "white", now: now - 7200)  // two hours ago
            store.record(task: "spam", decision: "black", now: now - 120)
            store.record(task: "spam", decision: "review", now: now - 30)
            try store.flush()
            store.record(task: "hate", decision: "white", now: now)  // buffered only
            #expect(try store.counts(lastSeconds: 300, now: now) == ["spam": ["black": 1, "review": 1], "hate": ["white": 1]])
            #expect(try store.counts(lastSeconds: nil, now: now)["spam"] == ["white": 1, "black": 1, "review": 1])
            try store.flush()
            try store.flush()  // nothing buffered: no change
        }
        let reopened = try DecisionStore(database: SQLiteDatabase(path: path))
        #expect(try reopened.counts(lastSeconds: 3600, now: now) == ["spam": ["black": 1, "review": 1], "hate": ["white": 1]])
        reopened.record(task: "spam", decision: "black", now: now - 120)
        try reopened.flush()
        #expect(try reopened.counts(lastSeconds: 3600, now: now)["spam"]?["black"] == 2)
        try reopened.prune(olderThan: 3600, now: now)
        #expect(try reopened.counts(lastSeconds: nil, now: now)["spam"]?["white"] == nil)
    }
}
