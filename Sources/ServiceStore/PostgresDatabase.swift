// A thin, locked wrapper over one PostgreSQL connection (libpq), with the same calling convention as
// `SQLiteDatabase`: statements use `?1, ?2, …` placeholders and `SQLValue` arguments and results.

import CLibPQ
import Foundation

/// One PostgreSQL connection; every call holds `lock`, so it can be shared across threads. A dropped
/// connection is re-established before the next statement.
// safe: the connection is only used while `lock` is held
public final class PostgresDatabase: SQLDatabase, @unchecked Sendable {
    private let connection: OpaquePointer
    private let lock = NSRecursiveLock()
    /// Set when a statement failed on the client side (no SQLSTATE: the connection broke); the next statement
    /// reconnects first. Only touched under `lock`.
    private var broken = false
    /// The URL without its password, for messages.
    public let displayURL: String
    public var dialect: SQLDialect { .postgres }
    public var displayName: String { displayURL }

    /// Connects to `url` (`postgresql://user:password@host:port/database?…`, or libpq's key=value form).
    /// - Throws: `StoreError.open` with libpq's reason.
    public init(url: String) throws {
        displayURL = Self.redacted(url)
        guard let connection = PQconnectdb(url) else {
            throw StoreError.open(path: Self.redacted(url), message: "out of memory")
        }
        guard PQstatus(connection) == CONNECTION_OK else {
            let message = Self.message(connection)
            PQfinish(connection)
            throw StoreError.open(path: Self.redacted(url), message: message)
        }
        // Notices ("relation … already exists, skipping") are not errors; libpq would print them to stderr.
        PQsetNoticeProcessor(connection, { _, _ in }, nil)
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
            guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK else { throw failure(sql, result) }
        }
    }

    /// Runs `sql` with `arguments` bound to `?1, ?2, …` (sent as `$1, $2, …`) and returns every row.
    @discardableResult
    public func query(_ sql: String, _ arguments: [SQLValue]) throws -> [[SQLValue]] {
        try statement(sql, arguments) { result in
            (0..<PQntuples(result)).map { row in
                (0..<PQnfields(result)).map { column in SQLValue(result, row: row, column: column) }
            }
        }
    }

    /// Runs `sql` with `arguments` and returns how many rows it changed.
    @discardableResult
    public func run(_ sql: String, _ arguments: [SQLValue]) throws -> Int {
        try statement(sql, arguments) { result in Int(String(cString: PQcmdTuples(result))) ?? 0 }
    }

    /// Sends one statement (text arguments, bytes as binary) and reads its result with `read`.
    private func statement<R>(_ sql: String, _ arguments: [SQLValue], read: (OpaquePointer) -> R) throws -> R {
        try locked {
            try reconnectIfNeeded()
            let text = Self.dollarPlaceholders(sql)
            let buffers: [[UInt8]?] = arguments.map(\.postgresBytes)
            let types: [Oid] = arguments.map(\.postgresType)
            let lengths: [Int32] = buffers.map { Int32($0?.count ?? 0) }
            let formats: [Int32] = arguments.map { if case .blob = $0 { 1 } else { 0 } }
            let result = Self.withBuffers(buffers) { pointers in
                PQexecParams(connection, text, Int32(arguments.count), types, pointers, lengths, formats, 0)
            }
            defer { PQclear(result) }
            let status = PQresultStatus(result)
            guard let result, status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK else {
                throw failure(sql, result)
            }
            return read(result)
        }
    }

    /// Runs `body` in one transaction; rolls back on throw.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try locked { try runTransaction(begin: "BEGIN", execute: execute, body) }
    }

    /// The error of a failed statement; a failure without a SQLSTATE came from the connection, not the server, so
    /// the connection is reset before the next statement.
    private func failure(_ sql: String, _ result: OpaquePointer?) -> StoreError {
        // PG_DIAG_SQLSTATE
        if result == nil || PQresultErrorField(result, Int32(UInt8(ascii: "C"))) == nil { broken = true }
        return StoreError.statement(sql: sql, message: Self.message(connection))
    }

    private func reconnectIfNeeded() throws {
        guard broken || PQstatus(connection) != CONNECTION_OK else { return }
        PQreset(connection)
        broken = PQstatus(connection) != CONNECTION_OK
        guard PQstatus(connection) == CONNECTION_OK else {
            throw StoreError.open(path: displayURL, message: Self.message(connection))
        }
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

    /// Calls `body` with pointers to `buffers` (nil stays a null pointer), valid during the call.
    static func withBuffers<R>(_ buffers: [[UInt8]?], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
        let copies: [UnsafeMutablePointer<CChar>?] = buffers.map { buffer in
            buffer.map { bytes in
                let copy = UnsafeMutablePointer<CChar>.allocate(capacity: max(bytes.count, 1))
                bytes.withUnsafeBytes {
                    if let start = $0.baseAddress {
                        UnsafeMutableRawPointer(copy).copyMemory(from: start, byteCount: $0.count)
                    }
                }
                return copy
            }
        }
        defer { copies.forEach { $0?.deallocate() } }
        return body(copies.map { $0.map { UnsafePointer($0) } })
    }
}

extension SQLValue {
    /// The bytes libpq sends: the text form (NUL-terminated), the raw bytes of a blob (sent as binary), nil for
    /// NULL.
    var postgresBytes: [UInt8]? {
        let text: String
        switch self {
        case .null: return nil
        case .blob(let v): return v
        case .integer(let v): text = String(v)
        case .real(let v): text = v.isNaN ? "NaN" : v.isInfinite ? (v < 0 ? "-Infinity" : "Infinity") : "\(v)"
        case .text(let v): text = v
        }
        return Array(text.utf8) + [0]
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
        case .blob: 17
        }
    }

    /// A result cell: integers (and booleans, as 0/1) as `.integer`, floating as `.real`, numeric as `.integer`
    /// when whole (SUM of a bigint is numeric) else `.real`, bytea as `.blob`, NULL as `.null`, everything else as
    /// text.
    init(_ result: OpaquePointer, row: Int32, column: Int32) {
        guard PQgetisnull(result, row, column) == 0, let raw = PQgetvalue(result, row, column) else {
            self = .null
            return
        }
        let text = String(cString: raw)
        switch PQftype(result, column) {
        case 16: self = .integer(text == "t" ? 1 : 0)
        case 20, 21, 23: self = Int64(text).map { .integer($0) } ?? .text(text)
        case 700, 701: self = Double(text).map { .real($0) } ?? .text(text)
        case 1700: self = Int64(text).map { .integer($0) } ?? Double(text).map { .real($0) } ?? .text(text)
        case 17: self = Self.hexBytea(text).map { .blob($0) } ?? .text(text)
        default: self = .text(text)
        }
    }

    /// bytea's text output (`\x` and two hex digits per byte) as bytes.
    static func hexBytea(_ text: String) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count >= 2, digits[0] == UInt8(ascii: "\\"), digits[1] == UInt8(ascii: "x"), digits.count % 2 == 0
        else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case 48...57: c - 48
            case 97...102: c - 87
            case 65...70: c - 55
            default: nil
            }
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2 - 1)
        var i = 2
        while i < digits.count {
            guard let high = nibble(digits[i]), let low = nibble(digits[i + 1]) else { return nil }
            bytes.append(high << 4 | low)
            i += 2
        }
        return bytes
    }
}
