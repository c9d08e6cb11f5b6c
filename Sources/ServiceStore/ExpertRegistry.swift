// Which task-expert files were uploaded, their checksums, which version is active per task, which tasks were
// deleted, and a generation number that every change raises, so replicas can tell cheaply that they must catch up.

import Foundation

/// The expert registry in SQLite or PostgreSQL. Files stay after a newer upload, so a rollback can load them
/// again. With `storesFiles` (the default on PostgreSQL) the file bytes are kept in the database too, so every
/// replica can load an expert another one received.
public final class ExpertRegistry: Sendable {
    public let database: any SQLDatabase
    public let storesFiles: Bool

    public init(database: any SQLDatabase, storesFiles: Bool? = nil) throws {
        self.database = database
        self.storesFiles = storesFiles ?? (database.dialect == .postgres)
        try SchemaMigrations.apply(database, component: "experts", steps: Self.migrations)
    }

    /// The schema, in order; append, never edit.
    static let migrations = [
        """
        CREATE TABLE IF NOT EXISTS experts (
            id {id}, task TEXT NOT NULL, version {int} NOT NULL,
            sha256 TEXT NOT NULL, path TEXT NOT NULL, uploaded_at {real} NOT NULL, active {int} NOT NULL DEFAULT 0);
        CREATE INDEX IF NOT EXISTS experts_task ON experts(task, id);
        CREATE TABLE IF NOT EXISTS deleted_tasks (task TEXT PRIMARY KEY, deleted_at {real} NOT NULL);
        """,
        """
        ALTER TABLE experts ADD COLUMN content {blob};
        CREATE TABLE registry_generation (id {int} PRIMARY KEY, generation {int} NOT NULL);
        INSERT INTO registry_generation (id, generation) VALUES (1, 0);
        """,
    ]

    /// The registry key of the shared expert and gates (a name no task can have: task names have no ':'). A
    /// shared-mode evolution registers it with its task's expert in one change (`registerTogether`).
    public static let sharedKey = ":shared"

    /// One file to register.
    public struct Registration: Sendable {
        public let task: String
        public let version: Int
        public let sha256: String
        public let path: String
        public let content: [UInt8]

        public init(task: String, version: Int, sha256: String, path: String, content: [UInt8]) {
            self.task = task
            self.version = version
            self.sha256 = sha256
            self.path = path
            self.content = content
        }
    }

    /// Registers every one of `entries` as its key's active expert in one change: a replica sees all or none.
    public func registerTogether(_ entries: [Registration], now: Double) throws {
        try change {
            for e in entries {
                _ = try insert(
                    task: e.task, version: e.version, sha256: e.sha256, path: e.path, content: e.content, now: now)
            }
        }
    }

    /// Records an upload (its bytes too, when the registry stores files) and makes it the task's active expert.
    @discardableResult
    public func register(task: String, version: Int, sha256: String, path: String, content: [UInt8], now: Double) throws
        -> Int64
    {
        try change { try insert(task: task, version: version, sha256: sha256, path: path, content: content, now: now) }
    }

    private func insert(task: String, version: Int, sha256: String, path: String, content: [UInt8], now: Double) throws
        -> Int64
    {
        try database.run("UPDATE experts SET active = 0 WHERE task = ?1", [.text(task)])
        try database.run("DELETE FROM deleted_tasks WHERE task = ?1", [.text(task)])
        let row = try database.query(
            """
            INSERT INTO experts (task, version, sha256, path, uploaded_at, active, content) \
            VALUES (?1, ?2, ?3, ?4, ?5, 1, ?6) RETURNING id
            """,
            [
                .text(task), .integer(Int64(version)), .text(sha256), .text(path), .real(now),
                storesFiles ? .blob(content) : .null,
            ])
        return Int64(row.first?.first?.int ?? 0)
    }

    /// Makes entry `id` the active one of its task.
    public func activate(id: Int64) throws {
        try change {
            try database.run(
                "UPDATE experts SET active = 0 WHERE task = (SELECT task FROM experts WHERE id = ?1)", [.integer(id)])
            try database.run("UPDATE experts SET active = 1 WHERE id = ?1", [.integer(id)])
        }
    }

    /// No upload of `task` is active any more (rolled back to the bundle's expert); files and history stay.
    public func deactivate(task: String) throws {
        _ = try change { try database.run("UPDATE experts SET active = 0 WHERE task = ?1", [.text(task)]) }
    }

    /// Task `task` was deleted: no upload of it is active, and a bundle's expert of it stays unloaded at the next
    /// start, until a new upload. Files and history stay.
    public func delete(task: String, now: Double) throws {
        try change {
            try database.run("UPDATE experts SET active = 0 WHERE task = ?1", [.text(task)])
            try database.run(
                """
                INSERT INTO deleted_tasks (task, deleted_at) VALUES (?1, ?2)
                ON CONFLICT (task) DO UPDATE SET deleted_at = excluded.deleted_at
                """, [.text(task), .real(now)])
        }
    }

    /// Forgets all but the newest `keep` uploads of `task` (the active one always stays) and returns the entries
    /// forgotten, so their files can be removed. What is served does not change, so the generation stays.
    @discardableResult
    public func prune(task: String, keep: Int) throws -> [RegisteredExpert] {
        try database.transaction {
            let history = try history(task: task)
            let kept = Set(history.suffix(max(1, keep)).map(\.id))
            let forgotten = history.filter { !kept.contains($0.id) && !$0.active }
            for entry in forgotten { try database.run("DELETE FROM experts WHERE id = ?1", [.integer(entry.id)]) }
            return forgotten
        }
    }

    /// Raised by every change: a replica that saw this number has seen every change up to it.
    public func generation() throws -> Int64 {
        Int64(try database.query("SELECT generation FROM registry_generation WHERE id = 1").first?.first?.int ?? 0)
    }

    /// Tasks deleted and not uploaded since, sorted.
    public func deletedTasks() throws -> [String] {
        try database.query("SELECT task FROM deleted_tasks ORDER BY task").compactMap { $0[0].string }
    }

    /// Every upload of `task`, oldest first.
    public func history(task: String) throws -> [RegisteredExpert] {
        try database.query("SELECT \(Self.columns) FROM experts WHERE task = ?1 ORDER BY id", [.text(task)]).map(
            Self.entry)
    }

    /// The active upload of every task.
    public func active() throws -> [RegisteredExpert] {
        try database.query("SELECT \(Self.columns) FROM experts WHERE active = 1 ORDER BY task").map(Self.entry)
    }

    /// The bytes of `entry`'s file: from the database when it holds them, else from `entry.path`. The caller
    /// checks them against `entry.sha256`.
    /// - Throws: `RegistryFileError` when neither has the file.
    public func bytes(of entry: RegisteredExpert) throws -> [UInt8] {
        let stored = try database.query("SELECT content FROM experts WHERE id = ?1", [.integer(entry.id)]).first?.first?
            .bytes
        if let stored { return stored }
        guard let data = FileManager.default.contents(atPath: entry.path) else {
            throw RegistryFileError(
                entry: entry, reason: "the file \(entry.path) is missing and the database holds no copy")
        }
        return [UInt8](data)
    }

    /// Runs `body` in a transaction that first raises the generation; on PostgreSQL that row's lock also queues
    /// concurrent changes from other replicas one after another.
    private func change<T>(_ body: () throws -> T) throws -> T {
        try database.transaction {
            try database.run("UPDATE registry_generation SET generation = generation + 1 WHERE id = 1")
            return try body()
        }
    }

    static let columns = "id, task, version, sha256, path, uploaded_at, active"

    static func entry(_ row: [SQLValue]) -> RegisteredExpert {
        RegisteredExpert(
            id: Int64(row[0].int ?? 0), task: row[1].string ?? "", version: row[2].int ?? 0,
            sha256: row[3].string ?? "",
            path: row[4].string ?? "", uploadedAt: row[5].double ?? 0, active: row[6].int == 1)
    }
}
