// The expert registry on SQLite and PostgreSQL: uploads, the active version per task, rollback targets,
// deletions that persist, the generation every change raises, and file bytes kept in the database.

import Foundation
import ServiceStore
import TestSupport
import Testing

@Suite("ExpertRegistry")
struct ExpertRegistryTests {
    @Test(arguments: TestBackend.allCases)
    func activeVersionHistoryAndDeletionsSurviveReopening(_ backend: TestBackend) throws {
        let database = try TestDatabase(backend)
        do {
            let registry = try ExpertRegistry(database: database.connect())
            #expect(try registry.generation() == 0)
            let first = try registry.register(
                task: "spam", version: 2, sha256: "aa", path: "/x/2", content: [1], now: 10)
            try registry.register(task: "spam", version: 3, sha256: "bb", path: "/x/3", content: [2], now: 20)
            try registry.register(task: "hate", version: 7, sha256: "cc", path: "/y/7", content: [3], now: 30)
            #expect(try registry.active().map(\.version) == [7, 3])  // sorted by task
            try registry.activate(id: first)
            #expect(try registry.history(task: "spam").map(\.active) == [true, false])
            try registry.delete(task: "hate", now: 40)
            try registry.delete(task: "clickbait", now: 41)  // a bundle's task: nothing uploaded, still remembered
            try registry.delete(task: "clickbait", now: 42)  // twice is fine
            #expect(try registry.deletedTasks() == ["clickbait", "hate"])
            #expect(try registry.generation() == 7)
        }
        let reopened = try ExpertRegistry(database: database.connect())
        #expect(try reopened.active().map { "\($0.task)@\($0.version)" } == ["spam@2"])
        #expect(try reopened.deletedTasks() == ["clickbait", "hate"])
        // A new upload brings a deleted task back.
        try reopened.register(task: "hate", version: 8, sha256: "dd", path: "/y/8", content: [4], now: 50)
        #expect(try reopened.deletedTasks() == ["clickbait"])
        #expect(try reopened.history(task: "hate").map(\.version) == [7, 8])
        try reopened.deactivate(task: "hate")
        #expect(try reopened.active().map(\.task) == ["spam"])
        #expect(try reopened.generation() == 9)
    }

    /// Retention: the newest uploads stay, the active one always stays, the generation does not move.
    @Test(arguments: TestBackend.allCases)
    func pruningKeepsTheNewestAndTheActiveUpload(_ backend: TestBackend) throws {
        let database = try TestDatabase(backend)
        let registry = try ExpertRegistry(database: database.connect())
        var ids: [Int64] = []
        for v in 1...5 {
            ids.append(
                try registry.register(task: "spam", version: v, sha256: "s\(v)", path: "/x/\(v)", content: [], now: 1))
        }
        try registry.register(task: "hate", version: 1, sha256: "h", path: "/y/1", content: [], now: 1)
        try registry.activate(id: ids[0])  // rolled back to the oldest
        let generation = try registry.generation()
        let forgotten = try registry.prune(task: "spam", keep: 2)
        #expect(forgotten.map(\.version) == [2, 3])
        #expect(try registry.history(task: "spam").map(\.version) == [1, 4, 5])
        #expect(try registry.active().map { "\($0.task)@\($0.version)" } == ["hate@1", "spam@1"])
        #expect(try registry.history(task: "hate").count == 1 && registry.generation() == generation)
        #expect(try registry.prune(task: "spam", keep: 0).map(\.version) == [4])  // at least one newest stays
    }

    /// On PostgreSQL the file bytes live in the database (another replica has no access to this one's disk); on
    /// SQLite they are read from the recorded path.
    @Test(arguments: TestBackend.allCases)
    func fileBytesComeFromTheDatabaseOrThePath(_ backend: TestBackend) throws {
        let database = try TestDatabase(backend)
        let folder = TestPaths.temporaryFolder("moecl-registry")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("spam.safetensors").path
        // every byte value, NULs included
        let bytes: [UInt8] = (0..<70_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let registry = try ExpertRegistry(database: database.connect())
        #expect(registry.storesFiles == (backend == .postgres))
        try registry.register(task: "spam", version: 1, sha256: "s", path: path, content: bytes, now: 1)
        let entry = try #require(try registry.active().first)
        try FileManager.default.removeItem(atPath: path)
        if backend == .postgres {
            #expect(try registry.bytes(of: entry) == bytes)
        } else {
            #expect(throws: RegistryFileError.self) { try registry.bytes(of: entry) }
        }
    }

    /// A database whose schema a newer moecl migrated is refused with a message that says what to do.
    @Test(arguments: TestBackend.allCases)
    func aNewerSchemaIsRefused(_ backend: TestBackend) throws {
        let database = try TestDatabase(backend)
        let connection = try database.connect()
        _ = try ExpertRegistry(database: connection)
        try connection.run("INSERT INTO schema_migrations (component, version, applied_at) VALUES ('experts', 99, 0)")
        do {
            _ = try ExpertRegistry(database: database.connect())
            Issue.record("opened a schema from the future")
        } catch let error as StoreError {
            #expect("\(error)".contains("version 99") && "\(error)".contains("newer moecl"), "\(error)")
        }
    }

    /// A state file written before schema versions existed is upgraded in place, keeping its rows.
    @Test func anUnversionedSQLiteFileIsUpgradedInPlace() throws {
        let database = try TestDatabase(.sqlite)
        let old = try database.connect()
        try old.execute(
            """
            CREATE TABLE experts (
                id INTEGER PRIMARY KEY AUTOINCREMENT, task TEXT NOT NULL, version INTEGER NOT NULL,
                sha256 TEXT NOT NULL, path TEXT NOT NULL, uploaded_at REAL NOT NULL, active INTEGER NOT NULL DEFAULT 0);
            CREATE TABLE deleted_tasks (task TEXT PRIMARY KEY, deleted_at REAL NOT NULL);
            INSERT INTO experts (task, version, sha256, path, uploaded_at, active) VALUES ('spam', 4, 'ee', '/p', 1, 1);
            """)
        let registry = try ExpertRegistry(database: database.connect())
        #expect(try registry.active().map(\.version) == [4])
        try registry.register(task: "spam", version: 5, sha256: "ff", path: "/q", content: [], now: 2)
        #expect(try registry.history(task: "spam").map(\.version) == [4, 5])
        #expect(try registry.generation() == 1)
    }
}
