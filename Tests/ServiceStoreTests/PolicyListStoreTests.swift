// Policy lists on SQLite and PostgreSQL: every write is a new version with its author, the newest per task is the
// list, an expected version guards against lost updates (also between two connections), reopening keeps it all.

import Dispatch
import Foundation
import ServiceStore
import TestSupport
import Testing

@Suite("PolicyListStore")
struct PolicyListStoreTests {
    @Test(arguments: TestBackend.allCases)
    func versionsAuthorsAndExpectedVersions(_ backend: TestBackend) throws {
        let database = try TestDatabase(backend)
        let store = try PolicyListStore(database: database.connect())
        #expect(try store.current().isEmpty)
        let first = try #require(
            try store.write(task: "spam", entriesJSON: "[1]", author: "admin:abc", now: 10, expectedVersion: 0))
        #expect(first.version == 1 && first.author == "admin:abc" && first.createdAt == 10)
        #expect(try store.write(task: "spam", entriesJSON: "[2]", author: "x", now: 11, expectedVersion: 0) == nil)
        _ = try store.write(task: "spam", entriesJSON: "[2]", author: "admin:def", now: 12)
        _ = try store.write(task: "hate", entriesJSON: "[]", author: "open", now: 13)
        let reopened = try PolicyListStore(database: database.connect())
        let current = try reopened.current()
        #expect(current["spam"]?.version == 2 && current["spam"]?.entriesJSON == "[2]")
        #expect(current["hate"]?.version == 1 && current.count == 2)
        #expect(try reopened.history(task: "spam").map(\.version) == [2, 1])
        #expect(try reopened.history(task: "spam", limit: 1).map(\.author) == ["admin:def"])
        #expect(try reopened.history(task: "none").isEmpty)
    }

    @Test(arguments: TestBackend.allCases)
    func racingWritersGetOneWinnerAtAnExpectedVersionAndConsecutiveVersionsOtherwise(_ backend: TestBackend) throws {
        let database = try TestDatabase(backend)
        let stores = try (0..<4).map { _ in try PolicyListStore(database: database.connect()) }
        let wins = WinCount()
        DispatchQueue.concurrentPerform(iterations: stores.count) { i in
            if (try? stores[i].write(task: "spam", entriesJSON: "[\(i)]", author: "w\(i)", now: 1, expectedVersion: 0))
                .flatMap({ $0 }) != nil
            {
                wins.increment()
            }
        }
        #expect(wins.value == 1)
        #expect(try stores[0].history(task: "spam").count == 1)
        // Without an expected version every writer gets its own next version.
        let written = WinCount()
        DispatchQueue.concurrentPerform(iterations: stores.count) { i in
            if (try? stores[i].write(task: "hate", entriesJSON: "[\(i)]", author: "w\(i)", now: 2)).flatMap({ $0 })
                != nil
            {
                written.increment()
            }
        }
        #expect(written.value == stores.count)
        #expect(try stores[0].history(task: "hate").map(\.version) == [4, 3, 2, 1])
    }
}
