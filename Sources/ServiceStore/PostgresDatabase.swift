// A thin, locked wrapper over one PostgreSQL connection (libpq), with the same calling convention as
// `SQLiteDatabase`: statements use `?1, ?2, …` placeholders and `SQLiteValue` arguments and results.

import CLibPQ
import Foundation

/// One PostgreSQL connection; every call holds `lock`, so it can be shared across threads. A dropped
/// connection is re-established before the next statement.
public final class PostgresDatabase: @unchecked Sendable {  // safe: the connection is only used while `lock` is held
    private let connection: OpaquePointer
    private let lock = NSRecursiveLock()
    /// The URL without its password, for messages.
    public let displayURL: String

    /// Connects to `url` (`postgresql://user:password@host:port/database?…`, or libpq's key=value form).
    /// - Throws: `StoreError.open` with libpq's reason.
    public init(url: String) throws {
        displayURL = Self.redacted(url)
        guard let connection = PQconnectdb(url) else { throw StoreError.open(path: Self.redacted(url), message: "out of memory") }
        guard PQstatus(connection) == CONNECTION_OK else {
            let message = Self.message(connection)
            PQfinish(connection)
            throw StoreError.open(path: Self.redacted(url), message: message)
        }
        self.connection = connection
    }

    deinit { PQfinish(connection) }

    /// Runs one or more statements without arguments or results.
    public func execute(_ sql: String) throws {
        try locked {
            try reconnectIfNeeded()
            let result = PQexec(connection, sql)
            defer { PQclear(result) }
            let status = PQresultStatus(result)
            guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK else {
                throw StoreError.statement(sql: sql, message: Self.message(connection))
            }
        }
    }

    /// Runs `sql` with `arguments` bound to `?1, ?2, …` (sent as `$1, $2, …`) and returns every row.
    @discardableResult
    public func query(_ sql: String, _ arguments: [SQLiteValue] = []) throws -> [[SQLiteValue]] {
        try locked {
            try reconnectIfNeeded()
            let text = Self.dollarPlaceholders(sql)
            let values: [String?] = arguments.map(\.postgresText)
            let types: [Oid] = arguments.map(\.postgresType)
            let result = Self.withCStrings(values) { pointers in
                PQexecParams(connection, text, Int32(arguments.count), types, pointers, nil, nil, 0)
            }
            defer { PQclear(result) }
            let status = PQresultStatus(result)
            guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK else {
                throw StoreError.statement(sql: sql, message: Self.message(connection))
            }
            return (0..<PQntuples(result)).map { row in
                (0..<PQnfields(result)).map { column in SQLiteValue(result!, row: row, column: column) }
            }
        }
    }

    /// Runs `body` in one transaction; rolls back on throw.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try locked { try runTransaction(begin: "BEGIN", execute: execute, body) }
    }

    private func reconnectIfNeeded() throws {
        guard PQstatus(connection) != CONNECTION_OK else { return }
        PQreset(connection)
        guard PQstatus(connection) == CONNECTION_OK else { throw StoreError.open(path: displayURL, message: Self.message(connection)) }
    }

    private func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    /// `?N` → `$N` (the statements of this package hold no `?` inside string literals).
    static func dollarPlaceholders(_ sql: String) -> String {
        sql.replacingOccurrences(of: #"\?(\d+)"#, with: #"\$$1"#, options: .regularExpression)
    }

    /// libpq's last error message, trimmed.
    static func message(_ connection: OpaquePointer?) -> String {
        guard let connection, let text = PQerrorMessage(connection) else { return "unknown error" }
        return String(cString: text).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// `url` with any password replaced by `***`.
    static func redacted(_ url: String) -> String {
        url.replacingOccurrences(of: #"(://[^:/@]+:)[^@]*@"#, with: "$1***@", options: .regularExpression)
            .replacingOccurrences(of: #"password=\S+"#, with: "password=***", options: .regularExpression)
    }

    /// Calls `body` with C strings for `values` (nil stays a null pointer), valid during the call.
    static func withCStrings<R>(_ values: [String?], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
        let copies = values.map { $0.map { strdup($0) } ?? nil }
        defer { copies.forEach { free($0) } }
        return body(copies.map { $0.map { UnsafePointer($0) } })
    }
}

extension SQLiteValue {
    /// The text form libpq sends; nil for NULL.
    var postgresText: String? {
        switch self {
        case .null: nil
        case .integer(let v): String(v)
        case .real(let v): "\(v)"
        case .text(let v): v
        }
    }

    /// The parameter's type: int8, float8, text; for NULL, 0: the server infers it from the statement, so a
    /// NULL argument needs context (`?1::text IS NULL`, a column it is assigned to) and every argument must be
    /// used by the statement.
    var postgresType: Oid {
        switch self {
        case .null: 0
        case .integer: 20
        case .real: 701
        case .text: 25
        }
    }

    /// A result cell: integers (and booleans, as 0/1) as `.integer`, floating and numeric as `.real`, NULL as
    /// `.null`, everything else as text.
    init(_ result: OpaquePointer, row: Int32, column: Int32) {
        guard PQgetisnull(result, row, column) == 0, let raw = PQgetvalue(result, row, column) else {
            self = .null
            return
        }
        let text = String(cString: raw)
        switch PQftype(result, column) {
        case 16: self = .integer(text == "t" ? 1 : 0)
        case 20, 21, 23: self = Int64(text).map { .integer($0) } ?? .text(text)
        case 700, 701, 1700: self = Double(text).map { .real($0) } ?? .text(text)
        default: self = .text(text)
        }
    }
}
