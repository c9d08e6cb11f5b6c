// A thin, locked wrapper over one SQLite connection in WAL mode with full fsync: what it acknowledges survives
// kill -9.

import CSQLite
import Foundation

/// One SQLite connection; every call holds `lock`, so it can be shared across threads.
// safe: the handle is only used while `lock` is held
public final class SQLiteDatabase: SQLDatabase, @unchecked Sendable {
    private let handle: OpaquePointer
    private let lock = NSRecursiveLock()
    public let path: String
    public var dialect: SQLDialect { .sqlite }
    public var displayName: String { path }

    /// Opens (creating) the database at `path` (":memory:" for tests) in WAL mode with synchronous FULL.
    public init(path: String) throws {
        var db: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX
        guard sqlite3_open_v2(path, &db, flags, nil) == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close(db)
            throw StoreError.open(path: path, message: message)
        }
        handle = db
        self.path = path
        sqlite3_busy_timeout(db, 5000)
        try execute("PRAGMA journal_mode=WAL")
        try execute("PRAGMA synchronous=FULL")
        try execute("PRAGMA foreign_keys=ON")
    }

    deinit { sqlite3_close(handle) }

    /// Runs one or more statements without results.
    public func execute(_ sql: String) throws {
        try locked {
            var error: UnsafeMutablePointer<CChar>?
            guard sqlite3_exec(handle, sql, nil, nil, &error) == SQLITE_OK else {
                let message = error.map { String(cString: $0) } ?? "unknown error"
                sqlite3_free(error)
                throw StoreError.statement(sql: sql, message: message)
            }
        }
    }

    /// Runs `sql` with `arguments` bound to `?1, ?2, …` and returns every row.
    @discardableResult
    public func query(_ sql: String, _ arguments: [SQLValue]) throws -> [[SQLValue]] {
        try locked {
            var statement: OpaquePointer?
            guard sqlite3_prepare_v2(handle, sql, -1, &statement, nil) == SQLITE_OK, let statement else {
                throw StoreError.statement(sql: sql, message: String(cString: sqlite3_errmsg(handle)))
            }
            defer { sqlite3_finalize(statement) }
            for (i, value) in arguments.enumerated() { value.bind(to: statement, at: Int32(i + 1)) }
            var rows: [[SQLValue]] = []
            while true {
                let code = sqlite3_step(statement)
                if code == SQLITE_DONE { break }
                guard code == SQLITE_ROW else {
                    throw StoreError.statement(sql: sql, message: String(cString: sqlite3_errmsg(handle)))
                }
                rows.append((0..<sqlite3_column_count(statement)).map { SQLValue(statement, column: $0) })
            }
            return rows
        }
    }

    /// Runs `sql` with `arguments` and returns how many rows it changed.
    @discardableResult
    public func run(_ sql: String, _ arguments: [SQLValue]) throws -> Int {
        try locked {
            try query(sql, arguments)
            return Int(sqlite3_changes(handle))
        }
    }

    /// Runs `body` in one transaction (IMMEDIATE: writers are serialised from the start); rolls back on throw.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try locked { try runTransaction(begin: "BEGIN IMMEDIATE", execute: execute, body) }
    }

    private func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }
}
