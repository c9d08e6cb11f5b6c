// What the stores need from a database, so one store works on SQLite (one machine) and PostgreSQL (replicas).

/// A connection the stores run their statements on: `?1, ?2, …` placeholders, `SQLValue` arguments and
/// results, transactions that roll back when their body throws.
public protocol SQLDatabase: AnyObject, Sendable {
    /// Which SQL the statements must be written in where the two differ (column types, row locks).
    var dialect: SQLDialect { get }
    /// The database for messages: a path, or a URL without its password.
    var displayName: String { get }
    /// Runs one or more statements without arguments or results.
    func execute(_ sql: String) throws
    /// Runs `sql` with `arguments` and returns every row.
    @discardableResult func query(_ sql: String, _ arguments: [SQLValue]) throws -> [[SQLValue]]
    /// Runs `sql` with `arguments` and returns how many rows it changed.
    @discardableResult func run(_ sql: String, _ arguments: [SQLValue]) throws -> Int
    /// Runs `body` in one transaction; rolls back and rethrows when it throws.
    func transaction<T>(_ body: () throws -> T) throws -> T
}

extension SQLDatabase {
    @discardableResult public func query(_ sql: String) throws -> [[SQLValue]] { try query(sql, []) }
    @discardableResult public func run(_ sql: String) throws -> Int { try run(sql, []) }
}

/// Opens the database a service runs on: PostgreSQL for a `postgres://` or `postgresql://` URL, else the SQLite
/// file `sqlitePath`.
public func openDatabase(url: String?, sqlitePath: String) throws -> any SQLDatabase {
    if let url, !url.isEmpty {
        guard url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") else {
            throw StoreError.open(
                path: PostgresDatabase.redacted(url),
                message: "the database URL must start with postgresql:// (or postgres://)")
        }
        return try PostgresDatabase(url: url)
    }
    return try SQLiteDatabase(path: sqlitePath)
}
