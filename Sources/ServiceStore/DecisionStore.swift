// Decision counts per task, minute and decision: buffered in memory, flushed to the database about once a second,
// so the reject-rate windows survive a restart without an fsync per request. Replicas sharing one PostgreSQL add
// into the same rows, so the counts read back are the whole deployment's.

import Foundation

/// Counts of decisions for the reject-rate windows.
public final class DecisionStore: Sendable {
    public let database: any SQLDatabase
    /// Counts not yet written: (task, minute, decision) → count.
    private let pending = LockedCounts()

    public init(database: any SQLDatabase) throws {
        self.database = database
        try SchemaMigrations.apply(database, component: "decisions", steps: Self.migrations)
    }

    /// The schema, in order; append, never edit.
    static let migrations = [
        """
        CREATE TABLE IF NOT EXISTS decision_counts (
            task TEXT NOT NULL, minute {int} NOT NULL, decision TEXT NOT NULL, count {int} NOT NULL,
            PRIMARY KEY (task, minute, decision));
        """
    ]

    /// Counts one decision at time `now` (seconds since 1970); cheap, no I/O.
    public func record(task: String, decision: String, now: Double) {
        pending.add(DecisionKey(task: task, minute: Int64(now / 60), decision: decision))
    }

    /// Writes the buffered counts in one transaction.
    public func flush() throws {
        let counts = pending.take()
        guard !counts.isEmpty else { return }
        do {
            try database.transaction {
                // Sorted, so two replicas flushing at once lock rows in the same order and cannot deadlock.
                let sorted = counts.sorted {
                    ($0.key.task, $0.key.minute, $0.key.decision) < ($1.key.task, $1.key.minute, $1.key.decision)
                }
                try MultiRowInsert.run(
                    database, prefix: "INSERT INTO decision_counts (task, minute, decision, count)",
                    suffix: "ON CONFLICT (task, minute, decision) "
                        + "DO UPDATE SET count = decision_counts.count + excluded.count",
                    columns: 4,
                    rows: sorted.map {
                        [
                            .text($0.key.task), .integer($0.key.minute), .text($0.key.decision),
                            .integer(Int64($0.value)),
                        ]
                    })
            }
        } catch {
            pending.merge(counts)  // keep them for the next flush
            throw error
        }
    }

    /// Counts per task and decision over the last `seconds` (whole minutes; nil = everything stored), buffered
    /// counts included.
    public func counts(lastSeconds seconds: Double?, now: Double) throws -> [String: [String: Int]] {
        let from = seconds.map { Int64((now - $0) / 60) + 1 } ?? Int64.min
        var result: [String: [String: Int]] = [:]
        for row in try database.query(
            "SELECT task, decision, SUM(count) FROM decision_counts WHERE minute >= ?1 GROUP BY task, decision",
            [.integer(from)])
        {
            result[row[0].string ?? "", default: [:]][row[1].string ?? ""] = row[2].int ?? 0
        }
        for (key, count) in pending.snapshot() where key.minute >= from {
            result[key.task, default: [:]][key.decision, default: 0] += count
        }
        return result
    }

    /// Deletes counts older than `seconds` (bounded retention).
    public func prune(olderThan seconds: Double, now: Double) throws {
        try database.run("DELETE FROM decision_counts WHERE minute < ?1", [.integer(Int64((now - seconds) / 60))])
    }
}

struct DecisionKey: Hashable, Sendable {
    let task: String
    let minute: Int64
    let decision: String
}

/// The in-memory buffer of counts.
final class LockedCounts: @unchecked Sendable {  // safe: `counts` is only touched while `lock` is held
    private let lock = NSLock()
    private var counts: [DecisionKey: Int] = [:]

    func add(_ key: DecisionKey) { lock.withLock { counts[key, default: 0] += 1 } }
    func take() -> [DecisionKey: Int] {
        lock.withLock {
            defer { counts = [:] }; return counts
        }
    }
    func merge(_ other: [DecisionKey: Int]) { lock.withLock { counts.merge(other, uniquingKeysWith: +) } }
    func snapshot() -> [DecisionKey: Int] { lock.withLock { counts } }
}
