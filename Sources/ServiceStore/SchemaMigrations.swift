// Versioned schemas: each store lists its migrations in order; a database records which it ran, so an older
// database is upgraded in place and a newer one is refused with a clear message instead of being misread.

import Foundation

/// Runs a store's pending migrations, once per database even when several replicas start at the same time.
public enum SchemaMigrations {
    /// Applies `steps[v...]` of `component` where `v` is the number it already ran; each step is DDL in the
    /// `SQLDialect.ddl` template form and may hold several statements.
    /// - Throws: `StoreError.schema` when the database ran more steps than this binary knows.
    public static func apply(_ database: any SQLDatabase, component: String, steps: [String]) throws {
        try database.transaction {
            if database.dialect == .postgres {
                // Replicas starting together queue here instead of racing on CREATE TABLE.
                try database.query("SELECT pg_advisory_xact_lock(727274)")
            }
            try database.execute(
                database.dialect.ddl(
                    """
                    CREATE TABLE IF NOT EXISTS schema_migrations (
                        component TEXT NOT NULL, version {int} NOT NULL, applied_at {real} NOT NULL,
                        PRIMARY KEY (component, version))
                    """))
            let done =
                try database.query(
                    "SELECT COALESCE(MAX(version), 0) FROM schema_migrations WHERE component = ?1",
                    [.text(component)]
                ).first?.first?.int ?? 0
            guard done <= steps.count else {
                throw StoreError.schema(
                    database: database.displayName, component: component, version: done, known: steps.count)
            }
            for index in done..<steps.count {
                try database.execute(database.dialect.ddl(steps[index]))
                try database.run(
                    "INSERT INTO schema_migrations (component, version, applied_at) VALUES (?1, ?2, ?3)",
                    [.text(component), .integer(Int64(index + 1)), .real(Date().timeIntervalSince1970)])
            }
        }
    }
}
