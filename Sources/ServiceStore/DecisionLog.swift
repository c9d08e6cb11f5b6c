// The raw decisions log: one row per classified text (when, task, expert version, decision, top label and its
// score, the text's SHA-256, never the text), buffered in memory and written about once a second, kept for a
// bounded time.

import Foundation

/// One automatic or review decision as logged.
public struct LoggedDecision: Sendable, Equatable {
    /// Seconds since 1970.
    public let at: Double
    public let task: String
    public let expertVersion: Int
    public let decision: String
    public let label: String
    public let score: Double
    /// Hex SHA-256 of the text's UTF-8 bytes: ties a decision to a text without storing the text.
    public let textSHA256: String

    public init(
        at: Double, task: String, expertVersion: Int, decision: String, label: String, score: Double, textSHA256: String
    ) {
        self.at = at
        self.task = task
        self.expertVersion = expertVersion
        self.decision = decision
        self.label = label
        self.score = score
        self.textSHA256 = textSHA256
    }
}

/// The decisions log in SQLite or PostgreSQL (one table for every replica).
public final class DecisionLog: @unchecked Sendable {  // safe: `pending` and `dropped` are only touched under `lock`
    public let database: any SQLDatabase
    /// Rows not yet written; beyond `maxBuffered` the oldest are dropped (and counted) rather than growing memory
    /// while the disk is failing.
    private var pending: [LoggedDecision] = []
    private var dropped = 0
    private let lock = NSLock()
    public let maxBuffered: Int

    public init(database: any SQLDatabase, maxBuffered: Int = 100_000) throws {
        self.database = database
        self.maxBuffered = maxBuffered
        try SchemaMigrations.apply(database, component: "decision_log", steps: Self.migrations)
    }

    /// The schema, in order; append, never edit.
    static let migrations = [
        """
        CREATE TABLE IF NOT EXISTS decision_log (
            id {id}, at {real} NOT NULL, task TEXT NOT NULL, expert_version {int} NOT NULL,
            decision TEXT NOT NULL, label TEXT NOT NULL, score {real} NOT NULL, text_sha256 TEXT NOT NULL);
        CREATE INDEX IF NOT EXISTS decision_log_at ON decision_log(at);
        """
    ]

    /// Buffers one decision; cheap, no I/O.
    public func append(_ entry: LoggedDecision) {
        lock.withLock {
            pending.append(entry)
            if pending.count > maxBuffered {
                pending.removeFirst(pending.count - maxBuffered)
                dropped += 1
            }
        }
    }

    /// Rows dropped because the buffer was full (the database was not keeping up).
    public var droppedCount: Int { lock.withLock { dropped } }

    /// Writes the buffered rows in one transaction; on failure they stay buffered for the next flush.
    public func flush() throws {
        let rows = lock.withLock {
            defer { pending = [] }; return pending
        }
        guard !rows.isEmpty else { return }
        do {
            try database.transaction {
                try MultiRowInsert.run(
                    database,
                    prefix: "INSERT INTO decision_log (at, task, expert_version, decision, label, score, text_sha256)",
                    columns: 7,
                    rows: rows.map {
                        [
                            .real($0.at), .text($0.task), .integer(Int64($0.expertVersion)), .text($0.decision),
                            .text($0.label),
                            .real($0.score), .text($0.textSHA256),
                        ]
                    })
            }
        } catch {
            lock.withLock { pending.insert(contentsOf: rows, at: 0) }
            throw error
        }
    }

    /// The newest `limit` written rows, newest first, optionally of one task.
    public func recent(task: String? = nil, limit: Int) throws -> [LoggedDecision] {
        try database.query(
            """
            SELECT at, task, expert_version, decision, label, score, text_sha256 FROM decision_log
            WHERE CAST(?1 AS TEXT) IS NULL OR task = ?1 ORDER BY id DESC LIMIT ?2
            """, [task.map { .text($0) } ?? .null, .integer(Int64(limit))]
        ).map { row in
            LoggedDecision(
                at: row[0].double ?? 0, task: row[1].string ?? "", expertVersion: row[2].int ?? 0,
                decision: row[3].string ?? "", label: row[4].string ?? "", score: row[5].double ?? 0,
                textSHA256: row[6].string ?? "")
        }
    }

    /// Deletes rows older than `seconds` (bounded retention); returns how many.
    @discardableResult
    public func prune(olderThan seconds: Double, now: Double) throws -> Int {
        try database.run("DELETE FROM decision_log WHERE at < ?1", [.real(now - seconds)])
    }
}
