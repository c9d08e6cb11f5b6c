// Self-evolution's durable state: each task's policy and its runs, with a lease so that one trainer at a time
// works on a task across every replica and process.

import Foundation

/// Runs and policies in SQLite or PostgreSQL. A run holds its task's lease while `running` or `promoting`; a
/// second `begin` for that task returns nil until the run finishes or its lease expires (then `recover` marks it).
public final class EvolutionStore: Sendable {
    public let database: any SQLDatabase

    public init(database: any SQLDatabase) throws {
        self.database = database
        try SchemaMigrations.apply(database, component: "evolution", steps: Self.migrations)
    }

    /// The schema, in order; append, never edit.
    static let migrations = [
        """
        CREATE TABLE IF NOT EXISTS evolution_tasks (
            task TEXT PRIMARY KEY, policy TEXT, first_version {int} NOT NULL DEFAULT 0, updated_at {real} NOT NULL);
        CREATE TABLE IF NOT EXISTS evolution_runs (
            id {id}, task TEXT NOT NULL, mode TEXT NOT NULL, trigger TEXT NOT NULL, status TEXT NOT NULL,
            parent_version {int} NOT NULL, candidate_version {int}, verdicts {int} NOT NULL, metrics TEXT,
            reasons TEXT NOT NULL, candidate_sha256 TEXT, started_at {real} NOT NULL, finished_at {real},
            lease_expires_at {real});
        CREATE UNIQUE INDEX IF NOT EXISTS evolution_one_active ON evolution_runs(task)
            WHERE status IN ('running', 'promoting');
        CREATE INDEX IF NOT EXISTS evolution_by_task ON evolution_runs(task, id);
        """,
        """
        ALTER TABLE evolution_runs ADD COLUMN candidate {blob};
        ALTER TABLE evolution_runs ADD COLUMN item_watermark {int} NOT NULL DEFAULT 0;
        ALTER TABLE evolution_runs ADD COLUMN shadow_texts {int} NOT NULL DEFAULT 0;
        ALTER TABLE evolution_runs ADD COLUMN shadow_automatic {int} NOT NULL DEFAULT 0;
        ALTER TABLE evolution_runs ADD COLUMN shadow_agreed {int} NOT NULL DEFAULT 0;
        DROP INDEX IF EXISTS evolution_one_active;
        CREATE UNIQUE INDEX IF NOT EXISTS evolution_one_active ON evolution_runs(task)
            WHERE status IN ('running', 'shadow', 'promoting');
        """,
        "ALTER TABLE evolution_runs ADD COLUMN candidate_shared {blob};",
    ]

    static let columns =
        "id, task, mode, trigger, status, parent_version, candidate_version, verdicts, metrics, reasons, "
        + "candidate_sha256, started_at, finished_at, lease_expires_at, item_watermark, shadow_texts, "
        + "shadow_automatic, shadow_agreed"

    /// Starts a run of `task` holding its lease until `now + leaseSeconds`, or returns nil when another run holds
    /// it (training, shadowing or promoting), or when `maxActive` runs of any tasks are training or promoting
    /// already (training is heavy: runs queue). Two callers at once (threads, processes, replicas) never both get
    /// a run of one task: the task's row is locked. The run trains on review items up to the newest one now
    /// given (`itemWatermark`, `ReviewStore.newestItemId`); later items are fresh to its candidate.
    public func begin(
        task: String, mode: String, trigger: String, parentVersion: Int, verdicts: Int, leaseSeconds: Double,
        now: Double, maxActive: Int = .max, itemWatermark: Int64 = 0
    ) throws -> EvolutionRun? {
        try database.transaction {
            try lockTask(task, now: now)
            let active = try database.query(
                "SELECT task, status FROM evolution_runs WHERE status IN ('running', 'shadow', 'promoting')"
            ).map { ($0[0].string ?? "", $0[1].string ?? "") }
            guard !active.contains(where: { $0.0 == task }),
                active.filter({ $0.1 != EvolutionRun.Status.shadow.rawValue }).count < maxActive
            else { return nil }
            let row = try database.query(
                "INSERT INTO evolution_runs (task, mode, trigger, status, parent_version, verdicts, reasons, "
                    + "started_at, lease_expires_at, item_watermark) "
                    + "VALUES (?1, ?2, ?3, 'running', ?4, ?5, '[]', ?6, ?7, ?8) RETURNING \(Self.columns)",
                [
                    .text(task), .text(mode), .text(trigger), .integer(Int64(parentVersion)),
                    .integer(Int64(verdicts)), .real(now), .real(now + leaseSeconds), .integer(itemWatermark),
                ])
            return try row.first.map(Self.run)
        }
    }

    /// Extends an active run's lease; false when the run is no longer active (another process recovered it).
    @discardableResult
    public func renew(id: Int64, until time: Double) throws -> Bool {
        try database.run(
            "UPDATE evolution_runs SET lease_expires_at = ?1 WHERE id = ?2 AND status IN ('running', 'promoting')",
            [.real(time), .integer(id)]) == 1
    }

    /// Records that run `id` passed its held-back assessment: its candidate (version, file checksum, bytes)
    /// scores live traffic beside the current expert until `until`, when the shadow phase gives up. False when
    /// the run was no longer running (another process recovered it).
    @discardableResult
    public func enterShadow(
        id: Int64, candidateVersion: Int, sha256: String, candidate: [UInt8], shared: [UInt8]? = nil,
        metrics: String, reasons: [String], until: Double
    ) throws -> Bool {
        try database.run(
            "UPDATE evolution_runs SET status = 'shadow', candidate_version = ?1, candidate_sha256 = ?2, "
                + "candidate = ?3, metrics = ?4, reasons = ?5, lease_expires_at = ?6, candidate_shared = ?8 "
                + "WHERE id = ?7 AND status = 'running'",
            [
                .integer(Int64(candidateVersion)), .text(sha256), .blob(candidate), .text(metrics),
                .text(Self.json(reasons)), .real(until), .integer(id), shared.map(SQLValue.blob) ?? .null,
            ]) == 1
    }

    /// Runs whose candidate is in its shadow phase, oldest first.
    public func shadows() throws -> [EvolutionRun] {
        try database.query(
            "SELECT \(Self.columns) FROM evolution_runs WHERE status = 'shadow' ORDER BY id"
        ).map(Self.run)
    }

    /// The candidate file's bytes of run `id`, when it reached its shadow phase.
    public func candidate(id: Int64) throws -> [UInt8]? {
        try database.query("SELECT candidate FROM evolution_runs WHERE id = ?1", [.integer(id)]).first?.first?.bytes
    }

    /// The shared expert's file bytes of run `id`, when it is a shared-mode candidate in (or past) its shadow phase.
    public func candidateShared(id: Int64) throws -> [UInt8]? {
        try database.query("SELECT candidate_shared FROM evolution_runs WHERE id = ?1", [.integer(id)]).first?.first?
            .bytes
    }

    /// Adds one batch's shadow tallies to run `id`: texts scored, texts the candidate would decide
    /// automatically, texts where its decision and label equal the current expert's.
    public func tallyShadow(id: Int64, texts: Int, automatic: Int, agreed: Int) throws {
        try database.run(
            "UPDATE evolution_runs SET shadow_texts = shadow_texts + ?1, shadow_automatic = shadow_automatic + ?2, "
                + "shadow_agreed = shadow_agreed + ?3 WHERE id = ?4 AND status = 'shadow'",
            [.integer(Int64(texts)), .integer(Int64(automatic)), .integer(Int64(agreed)), .integer(id)])
    }

    /// Records that run `id` passed its assessment (held back, and shadow when it comes from `shadow`) and its
    /// candidate (version, file checksum) is being registered, with a lease until `until`: a crash from here on
    /// is resolved by `recover` from the registry. False when the run was not in `from` any more (another
    /// replica got there first).
    @discardableResult
    public func markPromoting(
        id: Int64, from: EvolutionRun.Status = .running, candidateVersion: Int, sha256: String, metrics: String,
        reasons: [String], until: Double? = nil
    ) throws -> Bool {
        try database.run(
            "UPDATE evolution_runs SET status = 'promoting', candidate_version = ?1, candidate_sha256 = ?2, "
                + "metrics = ?3, reasons = ?4, lease_expires_at = COALESCE(?7, lease_expires_at) "
                + "WHERE id = ?5 AND status = ?6",
            [
                .integer(Int64(candidateVersion)), .text(sha256), .text(metrics), .text(Self.json(reasons)),
                .integer(id), .text(from.rawValue), until.map { .real($0) } ?? .null,
            ]) == 1
    }

    /// Finishes run `id` with `status`, measures and reasons; releases the task's lease.
    public func finish(
        id: Int64, status: EvolutionRun.Status, candidateVersion: Int? = nil, metrics: String?, reasons: [String],
        now: Double
    ) throws {
        precondition(!status.isActive, "finish with a final status")
        try database.run(
            "UPDATE evolution_runs SET status = ?1, candidate_version = COALESCE(?2, candidate_version), "
                + "metrics = COALESCE(?3, metrics), reasons = ?4, finished_at = ?5, lease_expires_at = NULL "
                + "WHERE id = ?6",
            [
                .text(status.rawValue), candidateVersion.map { .integer(Int64($0)) } ?? .null,
                metrics.map { .text($0) } ?? .null, .text(Self.json(reasons)), .real(now), .integer(id),
            ])
    }

    /// Active runs whose lease expired: a `promoting` one becomes promoted when `registered(run)` says its
    /// candidate reached the registry, a `shadow` one is rejected (its shadow phase ran out of time), every other
    /// one failed (its trainer died). Returns them as they were.
    @discardableResult
    public func recover(now: Double, registered: (EvolutionRun) throws -> Bool) throws -> [EvolutionRun] {
        let stale = try database.query(
            "SELECT \(Self.columns) FROM evolution_runs WHERE status IN ('running', 'shadow', 'promoting') "
                + "AND lease_expires_at < ?1 ORDER BY id", [.real(now)]
        ).map(Self.run)
        for run in stale {
            try abandon(run, why: "the trainer stopped before the run finished", now: now, registered: registered)
        }
        return stale
    }

    /// Finishes an active run whose trainer is known to be gone: promoted when it was `promoting` and
    /// `registered(run)` says its candidate reached the registry, else failed with `why`. A `shadow` run needs no
    /// trainer: it is rejected only once its shadow phase ran out of time.
    public func abandon(_ run: EvolutionRun, why: String, now: Double, registered: (EvolutionRun) throws -> Bool)
        throws
    {
        guard run.status.isActive else { return }
        if run.status == .shadow {
            // Its trainer is done by design; only the end of the shadow phase finishes it.
            guard (run.leaseExpiresAt ?? 0) < now else { return }
            try finish(
                id: run.id, status: .rejected, metrics: nil,
                reasons: run.reasons + [
                    "the shadow phase ended before enough audit verdicts came (\(run.shadowTexts) texts scored)"
                ], now: now)
        } else if run.status == .promoting, try registered(run) {
            try finish(
                id: run.id, status: .promoted, metrics: nil,
                reasons: run.reasons + ["promoted (recorded after the trainer stopped)"], now: now)
        } else {
            try finish(
                id: run.id, status: .failed, metrics: nil, reasons: run.reasons + ["interrupted: \(why)"], now: now)
        }
    }

    public func run(_ id: Int64) throws -> EvolutionRun? {
        try database.query("SELECT \(Self.columns) FROM evolution_runs WHERE id = ?1", [.integer(id)]).first.map(
            Self.run)
    }

    /// The task's runs, newest first.
    public func runs(task: String, limit: Int = 50) throws -> [EvolutionRun] {
        try database.query(
            "SELECT \(Self.columns) FROM evolution_runs WHERE task = ?1 ORDER BY id DESC LIMIT ?2",
            [.text(task), .integer(Int64(limit))]
        ).map(Self.run)
    }

    /// How many runs each task has in each status.
    public func statusCounts() throws -> [(task: String, status: String, count: Int)] {
        try database.query(
            "SELECT task, status, COUNT(*) FROM evolution_runs GROUP BY task, status ORDER BY task, status"
        ).map { ($0[0].string ?? "", $0[1].string ?? "", $0[2].int ?? 0) }
    }

    /// The task's stored policy (JSON), nil when it has none.
    public func policy(task: String) throws -> String? {
        try database.query("SELECT policy FROM evolution_tasks WHERE task = ?1", [.text(task)]).first?.first?.string
    }

    public func setPolicy(task: String, json: String, now: Double) throws {
        try database.run(
            "INSERT INTO evolution_tasks (task, policy, updated_at) VALUES (?1, ?2, ?3) "
                + "ON CONFLICT (task) DO UPDATE SET policy = excluded.policy, updated_at = excluded.updated_at",
            [.text(task), .text(json), .real(now)])
    }

    /// The first expert version of the task as it now exists (set when the task is created with
    /// `POST /v1/tasks`): verdicts on items scored by earlier versions belong to a deleted task of the same name.
    public func firstVersion(task: String) throws -> Int {
        try database.query("SELECT first_version FROM evolution_tasks WHERE task = ?1", [.text(task)]).first?.first?
            .int ?? 0
    }

    /// Records that the task starts anew at expert version `version` (its policy and runs are forgotten).
    public func created(task: String, firstVersion version: Int, now: Double) throws {
        try database.transaction {
            try database.run("DELETE FROM evolution_runs WHERE task = ?1", [.text(task)])
            try database.run(
                "INSERT INTO evolution_tasks (task, policy, first_version, updated_at) VALUES (?1, NULL, ?2, ?3) "
                    + "ON CONFLICT (task) DO UPDATE SET policy = NULL, first_version = excluded.first_version, "
                    + "updated_at = excluded.updated_at",
                [.text(task), .integer(Int64(version)), .real(now)])
        }
    }

    /// Forgets the task's policy and runs (the task was deleted).
    public func forget(task: String) throws {
        try database.transaction {
            try database.run("DELETE FROM evolution_runs WHERE task = ?1", [.text(task)])
            try database.run("DELETE FROM evolution_tasks WHERE task = ?1", [.text(task)])
        }
    }

    /// Locks the task's row (created if missing) until the transaction ends.
    private func lockTask(_ task: String, now: Double) throws {
        try database.run(
            "INSERT INTO evolution_tasks (task, policy, updated_at) VALUES (?1, NULL, ?2) ON CONFLICT (task) DO NOTHING",
            [.text(task), .real(now)])
        try database.query(
            "SELECT task FROM evolution_tasks WHERE task = ?1\(database.dialect.forUpdate)", [.text(task)])
    }

    static func run(_ row: [SQLValue]) throws -> EvolutionRun {
        EvolutionRun(
            id: Int64(row[0].int ?? 0), task: row[1].string ?? "", mode: row[2].string ?? "",
            trigger: row[3].string ?? "", status: EvolutionRun.Status(rawValue: row[4].string ?? "") ?? .failed,
            parentVersion: row[5].int ?? 0, candidateVersion: row[6].int, verdicts: row[7].int ?? 0,
            metrics: row[8].string,
            reasons: try JSONDecoder().decode([String].self, from: Data((row[9].string ?? "[]").utf8)),
            candidateSHA256: row[10].string, startedAt: row[11].double ?? 0, finishedAt: row[12].double,
            leaseExpiresAt: row[13].double, itemWatermark: Int64(row[14].int ?? 0), shadowTexts: row[15].int ?? 0,
            shadowAutomatic: row[16].int ?? 0, shadowAgreed: row[17].int ?? 0)
    }

    static func json(_ value: [String]) -> String {
        String(decoding: (try? JSONEncoder().encode(value)) ?? Data("[]".utf8), as: UTF8.self)
    }
}
