// Which task-expert files were uploaded, their checksums, and which version is active per task.

/// One uploaded expert file.
public struct RegisteredExpert: Sendable, Equatable, Codable {
    public let id: Int64
    public let task: String
    public let version: Int
    public let sha256: String
    public let path: String
    public let uploadedAt: Double
    public let active: Bool

    enum CodingKeys: String, CodingKey {
        case id, task, version, sha256, path, active
        case uploadedAt = "uploaded_at"
    }
}

/// The expert registry in SQLite. Files stay on disk after a newer upload, so a rollback can load them again.
public final class ExpertRegistry: Sendable {
    public let database: SQLiteDatabase

    public init(database: SQLiteDatabase) throws {
        self.database = database
        try database.execute("""
            CREATE TABLE IF NOT EXISTS experts (
                id INTEGER PRIMARY KEY AUTOINCREMENT, task TEXT NOT NULL, version INTEGER NOT NULL,
                sha256 TEXT NOT NULL, path TEXT NOT NULL, uploaded_at REAL NOT NULL, active INTEGER NOT NULL DEFAULT 0);
            CREATE INDEX IF NOT EXISTS experts_task ON experts(task, id);
            CREATE TABLE IF NOT EXISTS deleted_tasks (task TEXT PRIMARY KEY, deleted_at REAL NOT NULL);
            """)
    }

    /// Records an upload and makes it the task's active expert.
    @discardableResult
    public func register(task: String, version: Int, sha256: String, path: String, now: Double) throws -> Int64 {
        try database.transaction {
            try database.query("UPDATE experts SET active = 0 WHERE task = ?1", [.text(task)])
            try database.query("DELETE FROM deleted_tasks WHERE task = ?1", [.text(task)])
            try database.query("INSERT INTO experts (task, version, sha256, path, uploaded_at, active) VALUES (?1, ?2, ?3, ?4, ?5, 1)",
                               [.text(task), .integer(Int64(version)), .text(sha256), .text(path), .real(now)])
            return database.lastInsertRowID
        }
    }

    /// Makes entry `id` the active one of its task.
    public func activate(id: Int64) throws {
        try database.transaction {
            try database.query("UPDATE experts SET active = 0 WHERE task = (SELECT task FROM experts WHERE id = ?1)", [.integer(id)])
            try database.query("UPDATE experts SET active = 1 WHERE id = ?1", [.integer(id)])
        }
    }

    /// No upload of `task` is active any more (rolled back to the bundle's expert); files and history stay.
    public func deactivate(task: String) throws {
        try database.query("UPDATE experts SET active = 0 WHERE task = ?1", [.text(task)])
    }

    /// Task `task` was deleted: no upload of it is active, and a bundle's expert of it stays unloaded at the next
    /// start, until a new upload. Files and history stay.
    public func delete(task: String, now: Double) throws {
        try database.transaction {
            try database.query("UPDATE experts SET active = 0 WHERE task = ?1", [.text(task)])
            try database.query("INSERT OR REPLACE INTO deleted_tasks (task, deleted_at) VALUES (?1, ?2)", [.text(task), .real(now)])
        }
    }

    /// Tasks deleted and not uploaded since, sorted.
    public func deletedTasks() throws -> [String] {
        try database.query("SELECT task FROM deleted_tasks ORDER BY task").compactMap { $0[0].string }
    }

    /// Every upload of `task`, oldest first.
    public func history(task: String) throws -> [RegisteredExpert] {
        try database.query("SELECT id, task, version, sha256, path, uploaded_at, active FROM experts WHERE task = ?1 ORDER BY id",
                           [.text(task)]).map(Self.entry)
    }

    /// The active upload of every task.
    public func active() throws -> [RegisteredExpert] {
        try database.query("SELECT id, task, version, sha256, path, uploaded_at, active FROM experts WHERE active = 1 ORDER BY task")
            .map(Self.entry)
    }

    static func entry(_ row: [SQLiteValue]) -> RegisteredExpert {
        RegisteredExpert(id: Int64(row[0].int ?? 0), task: row[1].string ?? "", version: row[2].int ?? 0, sha256: row[3].string ?? "",
                         path: row[4].string ?? "", uploadedAt: row[5].double ?? 0, active: row[6].int == 1)
    }
}
