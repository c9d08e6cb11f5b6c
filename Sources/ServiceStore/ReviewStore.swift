// The durable review and audit queue: enqueue, claim with a lease, record verdicts once, count.

import Foundation

/// Review items and verdicts in SQLite or PostgreSQL. Every method commits before it returns, so an acknowledged
/// item or verdict survives a crash; claims and verdicts lock their rows, so replicas sharing one PostgreSQL
/// never hand out one item twice or record two verdicts for it.
public final class ReviewStore: Sendable {
    public let database: any SQLDatabase

    public init(database: any SQLDatabase) throws {
        self.database = database
        try SchemaMigrations.apply(database, component: "review", steps: Self.migrations)
    }

    /// The schema, in order; append, never edit.
    static let migrations = [
        """
        CREATE TABLE IF NOT EXISTS review_items (
            id {id},
            task TEXT NOT NULL, expert_version {int} NOT NULL, text TEXT NOT NULL,
            labels TEXT NOT NULL, scores TEXT NOT NULL, label TEXT NOT NULL, decision TEXT NOT NULL,
            kind TEXT NOT NULL, created_at {real} NOT NULL, lease_expires_at {real},
            verdict TEXT, verdict_at {real});
        CREATE INDEX IF NOT EXISTS review_open ON review_items(task, verdict, id);
        """,
        // Whether the item was drawn at random from all traffic, and the margin between its top two scores.
        """
        ALTER TABLE review_items ADD COLUMN sampled {int} NOT NULL DEFAULT 0;
        ALTER TABLE review_items ADD COLUMN margin {real} NOT NULL DEFAULT 0;
        """,
    ]

    /// Stores an item and returns its id.
    @discardableResult
    public func enqueue(
        task: String, expertVersion: Int, text: String, labels: [String], scores: [Double],
        label: String, decision: String, kind: ReviewItem.Kind, now: Double
    ) throws -> Int64 {
        try enqueue(
            [
                NewReviewItem(
                    task: task, expertVersion: expertVersion, text: text, labels: labels, scores: scores,
                    label: label, decision: decision, kind: kind)
            ], now: now)[0]
    }

    /// Stores items in one transaction and returns their ids, in order.
    public func enqueue(_ items: [NewReviewItem], now: Double) throws -> [Int64] {
        guard !items.isEmpty else { return [] }
        // One item is one statement, committed on its own: no BEGIN and COMMIT round trips.
        return try items.count == 1 ? insert(items, now: now) : database.transaction { try insert(items, now: now) }
    }

    private func insert(_ items: [NewReviewItem], now: Double) throws -> [Int64] {
        try items.map { item in
            let row = try database.query(
                "INSERT INTO review_items (task, expert_version, text, labels, scores, label, decision, kind, "
                    + "created_at, sampled, margin) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) RETURNING id",
                [
                    .text(item.task), .integer(Int64(item.expertVersion)), .text(item.text),
                    .text(Self.json(item.labels)),
                    .text(Self.json(item.scores)), .text(item.label), .text(item.decision), .text(item.kind.rawValue),
                    .real(now), .integer(item.sampled ? 1 : 0), .real(Self.margin(item.scores)),
                ])
            return Int64(row.first?.first?.int ?? 0)
        }
    }

    /// Leases up to `limit` open items (no verdict, no live lease) in `order` (`ClaimOrder`: sampled items first,
    /// then those older than `maxWaitSeconds`), optionally of one task. Items another replica is claiming at this
    /// moment are skipped, not waited for.
    public func claim(
        task: String?, limit: Int, leaseSeconds: Double, now: Double, order: ClaimOrder = .oldest,
        maxWaitSeconds: Double = .infinity
    ) throws -> [ReviewItem] {
        let byMargin = order == .informative ? "margin, " : ""
        let overdue = maxWaitSeconds.isFinite ? now - maxWaitSeconds : -Double.greatestFiniteMagnitude
        return try database.transaction {
            let rows = try database.query(
                """
                SELECT \(Self.columns) FROM review_items
                WHERE verdict IS NULL AND (lease_expires_at IS NULL OR lease_expires_at <= ?1) \
                AND (CAST(?2 AS TEXT) IS NULL OR task = ?2)
                ORDER BY sampled DESC, CASE WHEN created_at <= ?4 THEN 0 ELSE 1 END, \(byMargin)id \
                LIMIT ?3\(database.dialect.forUpdateSkipLocked)
                """, [.real(now), task.map { .text($0) } ?? .null, .integer(Int64(limit)), .real(overdue)])
            let items = try rows.map(Self.item)
            for item in items {
                try database.run(
                    "UPDATE review_items SET lease_expires_at = ?1 WHERE id = ?2",
                    [.real(now + leaseSeconds), .integer(item.id)])
            }
            return items.map { $0.leased(until: now + leaseSeconds) }
        }
    }

    /// Records the human label of item `id` once.
    public func verdict(id: Int64, label: String, now: Double) throws -> VerdictOutcome {
        try database.transaction {
            guard
                let row = try database.query(
                    "SELECT \(Self.columns) FROM review_items WHERE id = ?1\(database.dialect.forUpdate)",
                    [.integer(id)]
                ).first
            else { return .notFound }
            let item = try Self.item(row)
            guard item.labels.contains(label) else { return .invalidLabel(labels: item.labels) }
            if let existing = item.verdict {
                return existing == label ? .alreadyRecorded : .conflict(existing: existing)
            }
            try database.run(
                "UPDATE review_items SET verdict = ?1, verdict_at = ?2, lease_expires_at = NULL WHERE id = ?3",
                [.text(label), .real(now), .integer(id)])
            return .recorded
        }
    }

    /// One item by id.
    public func item(_ id: Int64) throws -> ReviewItem? {
        try database.query("SELECT \(Self.columns) FROM review_items WHERE id = ?1", [.integer(id)]).first.map(
            Self.item)
    }

    /// Items with verdicts of `task`, oldest first (the feedback for the next expert version).
    public func verdicts(task: String) throws -> [ReviewItem] {
        try database.query(
            "SELECT \(Self.columns) FROM review_items WHERE task = ?1 AND verdict IS NOT NULL ORDER BY id",
            [.text(task)]
        ).map(Self.item)
    }

    /// The newest `limit` audit items of `task` scored by expert `version` that have a verdict, oldest first (the
    /// evidence of the live precision alarm).
    public func audits(task: String, version: Int, limit: Int) throws -> [ReviewItem] {
        try database.query(
            """
            SELECT \(Self.columns) FROM review_items
            WHERE task = ?1 AND expert_version = ?2 AND kind = 'audit' AND verdict IS NOT NULL
            ORDER BY id DESC LIMIT ?3
            """, [.text(task), .integer(Int64(version)), .integer(Int64(max(0, limit)))]
        ).map(Self.item).reversed()
    }

    /// The newest `limit` open items of `task` (no verdict) not drawn at random: the ones the informative claim
    /// order ranks by margin. (id, text), newest first.
    public func openUnsampled(task: String, limit: Int) throws -> [(id: Int64, text: String)] {
        try database.query(
            """
            SELECT id, text FROM review_items WHERE task = ?1 AND verdict IS NULL AND sampled = 0
            ORDER BY id DESC LIMIT ?2
            """, [.text(task), .integer(Int64(max(0, limit)))]
        ).map { (Int64($0[0].int ?? 0), $0[1].string ?? "") }
    }

    /// Replaces the margins the informative order ranks open items by (each item's top score minus the second
    /// under the newest model of its task); items that got a verdict meanwhile are left alone. One transaction.
    public func refreshMargins(_ margins: [(id: Int64, margin: Double)]) throws {
        try database.transaction {
            for (id, margin) in margins {
                try database.run(
                    "UPDATE review_items SET margin = ?1 WHERE id = ?2 AND verdict IS NULL",
                    [.real(margin), .integer(id)])
            }
        }
    }

    /// The id of the newest item of any task (0 when there is none): items above it are newer.
    public func newestItemId() throws -> Int64 {
        Int64(try database.query("SELECT COALESCE(MAX(id), 0) FROM review_items").first?.first?.int ?? 0)
    }

    /// How many items of `task` have a verdict.
    public func verdictCount(task: String) throws -> Int {
        try database.query(
            "SELECT COUNT(*) FROM review_items WHERE task = ?1 AND verdict IS NOT NULL", [.text(task)]
        ).first?.first?.int ?? 0
    }

    /// Per task: seconds the oldest open item (no verdict) has waited, and verdicts recorded in the last hour.
    public func pace(now: Double) throws -> [(task: String, oldestOpenAge: Double?, verdictsLastHour: Int)] {
        try database.query(
            """
            SELECT task, MIN(CASE WHEN verdict IS NULL THEN created_at END),
                SUM(CASE WHEN verdict_at >= ?1 THEN 1 ELSE 0 END)
            FROM review_items GROUP BY task ORDER BY task
            """, [.real(now - 3600)]
        ).map { row in
            (row[0].string ?? "", row[1].double.map { max(0, now - $0) }, row[2].int ?? 0)
        }
    }

    /// The tasks that have review or audit items, sorted.
    public func tasks() throws -> [String] {
        try database.query("SELECT DISTINCT task FROM review_items ORDER BY task").compactMap { $0[0].string }
    }

    /// Per task and kind: open (no verdict, not leased), leased, and decided counts.
    public func stats(now: Double) throws -> [ReviewStats] {
        try database.query(
            """
            SELECT task, kind,
                   SUM(CASE WHEN verdict IS NULL AND (lease_expires_at IS NULL OR lease_expires_at <= ?1)
                            THEN 1 ELSE 0 END),
                   SUM(CASE WHEN verdict IS NULL AND lease_expires_at > ?1 THEN 1 ELSE 0 END),
                   SUM(CASE WHEN verdict IS NOT NULL THEN 1 ELSE 0 END),
                   SUM(CASE WHEN verdict IS NOT NULL AND verdict = label THEN 1 ELSE 0 END)
            FROM review_items GROUP BY task, kind ORDER BY task, kind
            """, [.real(now)]
        ).map { row in
            ReviewStats(
                task: row[0].string ?? "", kind: row[1].string ?? "", open: row[2].int ?? 0, leased: row[3].int ?? 0,
                decided: row[4].int ?? 0, agreed: row[5].int ?? 0)
        }
    }

    static let columns =
        "id, task, expert_version, text, labels, scores, label, decision, kind, created_at, lease_expires_at, "
        + "verdict, verdict_at, sampled"

    /// The top score minus the second: small means uncertain. 1 for a single score, and for scores all equal: an
    /// untrained expert (a task created from nothing) scores every label alike, which says nothing about which
    /// texts are uncertain, so its items rank behind those a trained model found uncertain (`refreshMargins`).
    static func margin(_ scores: [Double]) -> Double {
        let sorted = scores.sorted(by: >)
        guard sorted.count >= 2, sorted.first != sorted.last else { return 1 }
        return sorted[0] - sorted[1]
    }

    static func item(_ row: [SQLValue]) throws -> ReviewItem {
        ReviewItem(
            id: Int64(row[0].int ?? 0), task: row[1].string ?? "", expertVersion: row[2].int ?? 0,
            text: row[3].string ?? "",
            labels: try JSONDecoder().decode([String].self, from: Data((row[4].string ?? "[]").utf8)),
            scores: try JSONDecoder().decode([Double].self, from: Data((row[5].string ?? "[]").utf8)),
            label: row[6].string ?? "", decision: row[7].string ?? "",
            kind: ReviewItem.Kind(rawValue: row[8].string ?? "") ?? .review,
            createdAt: row[9].double ?? 0, leaseExpiresAt: row[10].double, verdict: row[11].string,
            verdictAt: row[12].double, sampled: (row[13].int ?? 0) != 0)
    }

    static func json<T: Encodable>(_ value: T) -> String {
        String(decoding: (try? JSONEncoder().encode(value)) ?? Data("[]".utf8), as: UTF8.self)
    }
}

extension ReviewItem {
    func leased(until time: Double) -> ReviewItem {
        ReviewItem(
            id: id, task: task, expertVersion: expertVersion, text: text, labels: labels, scores: scores, label: label,
            decision: decision, kind: kind, createdAt: createdAt, leaseExpiresAt: time, verdict: verdict,
            verdictAt: verdictAt, sampled: sampled)
    }
}
