// Every version of every task's policy list, with who wrote it and when (the audit trail of the lists).

import Foundation

/// One stored version of a task's policy list: its entries as JSON (the service owns their shape).
public struct StoredPolicyList: Sendable, Equatable {
    public let task: String
    public let version: Int
    public let entriesJSON: String
    /// Who wrote it: the role and a fingerprint of the token, or "open" without tokens.
    public let author: String
    public let createdAt: Double
}

/// Policy lists in SQLite or PostgreSQL. A write adds a version (never replaces one), so the history is the
/// audit trail; the newest version of a task is its list. An empty list is a version too (the list cleared).
public final class PolicyListStore: Sendable {
    public let database: any SQLDatabase

    public init(database: any SQLDatabase) throws {
        self.database = database
        try SchemaMigrations.apply(database, component: "policy", steps: Self.migrations)
    }

    /// The schema, in order; append, never edit.
    static let migrations = [
        """
        CREATE TABLE IF NOT EXISTS policy_lists (
            task TEXT NOT NULL, version {int} NOT NULL, entries TEXT NOT NULL, author TEXT NOT NULL,
            created_at {real} NOT NULL, PRIMARY KEY (task, version));
        """
    ]

    static let columns = "task, version, entries, author, created_at"

    /// Writes `entriesJSON` as the next version of `task`'s list. With `expectedVersion`, only when the newest
    /// version is that one (0: none yet); nil when it is not (someone else wrote in between).
    public func write(
        task: String, entriesJSON: String, author: String, now: Double, expectedVersion: Int? = nil
    ) throws -> StoredPolicyList? {
        try database.transaction {
            if database.dialect == .postgres {
                // Writers of one task queue here (SQLite serialises transactions by itself), so two writes
                // without an expected version get consecutive versions instead of a key conflict.
                try database.query("SELECT pg_advisory_xact_lock(hashtext(?1))", [.text("policy:" + task)])
            }
            let newest =
                try database.query(
                    "SELECT COALESCE(MAX(version), 0) FROM policy_lists WHERE task = ?1", [.text(task)]
                ).first?.first?.int ?? 0
            if let expectedVersion, expectedVersion != newest { return nil }
            let row = try database.query(
                "INSERT INTO policy_lists (task, version, entries, author, created_at) VALUES (?1, ?2, ?3, ?4, ?5) "
                    + "RETURNING \(Self.columns)",
                [.text(task), .integer(Int64(newest + 1)), .text(entriesJSON), .text(author), .real(now)])
            return try row.first.map(Self.list)
        }
    }

    /// The newest version of every task's list.
    public func current() throws -> [String: StoredPolicyList] {
        let rows = try database.query(
            "SELECT \(Self.columns) FROM policy_lists p WHERE version = "
                + "(SELECT MAX(version) FROM policy_lists q WHERE q.task = p.task)")
        var lists: [String: StoredPolicyList] = [:]
        for row in rows {
            let list = try Self.list(row)
            lists[list.task] = list
        }
        return lists
    }

    /// Every version of `task`'s list, newest first, at most `limit`.
    public func history(task: String, limit: Int = 100) throws -> [StoredPolicyList] {
        try database.query(
            "SELECT \(Self.columns) FROM policy_lists WHERE task = ?1 ORDER BY version DESC LIMIT ?2",
            [.text(task), .integer(Int64(limit))]
        ).map(Self.list)
    }

    static func list(_ row: [SQLValue]) throws -> StoredPolicyList {
        guard row.count == 5, let task = row[0].string, let version = row[1].int, let entries = row[2].string,
            let author = row[3].string, let created = row[4].double
        else {
            throw StoreError.statement(sql: "SELECT FROM policy_lists", message: "a row lacks one of its five columns")
        }
        return StoredPolicyList(task: task, version: version, entriesJSON: entries, author: author, createdAt: created)
    }
}
