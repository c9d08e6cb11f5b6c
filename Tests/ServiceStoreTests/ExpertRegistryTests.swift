// The expert registry: uploads, the active version per task, rollback targets, deletions that persist.

import Foundation
import ServiceStore
import TestSupport
import Testing

@Suite("ExpertRegistry")
struct ExpertRegistryTests {
    @Test func activeVersionHistoryAndDeletionsSurviveReopening() throws {
        let folder = TestPaths.temporaryFolder("moecl-registry")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent("s.sqlite").path
        do {
            let registry = try ExpertRegistry(database: SQLiteDatabase(path: path))
            let first = try registry.register(task: "spam", version: 2, sha256: "aa", path: "/x/2", now: 10)
            try registry.register(task: "spam", version: 3, sha256: "bb", path: "/x/3", now: 20)
            try registry.register(task: "hate", version: 7, sha256: "cc", path: "/y/7", now: 30)
            #expect(try registry.active().map(\.version) == [7, 3])  // sorted by task
            try registry.activate(id: first)
            #expect(try registry.history(task: "spam").map(\.active) == [true, false])
            try registry.delete(task: "hate", now: 40)
            try registry.delete(task: "clickbait", now: 41)  // a bundle's task: nothing uploaded, still remembered
            #expect(try registry.deletedTasks() == ["clickbait", "hate"])
        }
        let reopened = try ExpertRegistry(database: SQLiteDatabase(path: path))
        #expect(try reopened.active().map { "\($0.task)@\($0.version)" } == ["spam@2"])
        #expect(try reopened.deletedTasks() == ["clickbait", "hate"])
        // A new upload brings a deleted task back.
        try reopened.register(task: "hate", version: 8, sha256: "dd", path: "/y/8", now: 50)
        #expect(try reopened.deletedTasks() == ["clickbait"])
        #expect(try reopened.history(task: "hate").map(\.version) == [7, 8])
    }
}
