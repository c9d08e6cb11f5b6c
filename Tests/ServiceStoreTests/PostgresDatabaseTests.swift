// The PostgreSQL connection against a real server started for the test (scripts/pg/test-server.sh).

import Foundation
import ServiceStore
import TestSupport
import Testing

@Suite("PostgresDatabase")
struct PostgresDatabaseTests {
    @Test func runsStatementsWithTypedArgumentsAndResultsAndTransactions() throws {
        let server = try TestPostgres()
        let db = try PostgresDatabase(url: server.url)
        try db.execute(
            "CREATE TABLE t (id BIGSERIAL PRIMARY KEY, name TEXT NOT NULL, score DOUBLE PRECISION, n BIGINT)")
        let inserted = try db.query(
            "INSERT INTO t (name, score, n) VALUES (?1, ?2, ?3) RETURNING id",
            [.text("café ✓"), .real(0.125), .integer(1 << 40)])
        #expect(inserted == [[.integer(1)]])
        try db.query("INSERT INTO t (name, score, n) VALUES (?1, ?2, ?3)", [.text("b"), .null, .integer(-3)])
        let rows = try db.query(
            "SELECT id, name, score, n, n > 0 FROM t WHERE ?1::text IS NULL OR name = ?1 ORDER BY id", [.null])
        #expect(
            rows == [
                [.integer(1), .text("café ✓"), .real(0.125), .integer(1 << 40), .integer(1)],
                [.integer(2), .text("b"), .null, .integer(-3), .integer(0)],
            ])
        #expect(try db.query("SELECT name FROM t WHERE ?1::text IS NULL OR name = ?1", [.text("b")]) == [[.text("b")]])
        // A failing body rolls the transaction back; the error names the statement.
        #expect(throws: StoreError.self) {
            try db.transaction {
                try db.query("INSERT INTO t (name) VALUES (?1)", [.text("c")])
                try db.query("INSERT INTO t (nope) VALUES (1)")
            }
        }
        #expect(try db.query("SELECT count(*) FROM t") == [[.integer(2)]])
        _ = try db.transaction { try db.query("DELETE FROM t WHERE id = ?1", [.integer(2)]) }
        #expect(try db.query("SELECT count(*) FROM t") == [[.integer(1)]])
    }

    /// A database restart breaks the connection: the statement in flight fails with a clear error, the next one
    /// reconnects, and what was committed before is there.
    @Test func aServerRestartCostsOneStatementNotTheConnection() throws {
        let server = try TestPostgres()
        let db = try PostgresDatabase(url: server.url)
        try db.execute("CREATE TABLE t (n BIGINT)")
        try db.run("INSERT INTO t (n) VALUES (?1)", [.integer(7)])
        try server.restart()
        var failures = 0
        var rows: [[SQLValue]] = []
        for _ in 0..<3 {
            do {
                rows = try db.query("SELECT n FROM t")
                break
            } catch let error as StoreError {
                failures += 1
                #expect("\(error)".contains("state database"), "\(error)")
            }
        }
        #expect(rows == [[.integer(7)]] && failures <= 1, "\(failures) failures")
        _ = try db.transaction { try db.run("INSERT INTO t (n) VALUES (?1)", [.integer(8)]) }
        #expect(try db.query("SELECT count(*) FROM t") == [[.integer(2)]])
    }

    @Test func aBadURLIsAClearErrorWithoutThePassword() throws {
        do {
            _ = try PostgresDatabase(url: "postgresql://moecl:s3cret@/moecl?host=/nonexistent-socket-dir")
            Issue.record("connected to a server that does not exist")
        } catch {
            #expect("\(error)".contains("cannot open the state database") && !"\(error)".contains("s3cret"), "\(error)")
        }
    }
}
