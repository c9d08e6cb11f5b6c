// Failures of the durable state: SQLite's message and what to do.

/// A database that cannot be opened or a statement that failed.
public enum StoreError: Error, Equatable, Sendable, CustomStringConvertible {
    case open(path: String, message: String)
    case statement(sql: String, message: String)

    public var description: String {
        switch self {
        case .open(let path, let message):
            "cannot open the state database \(path): \(message); check the folder exists and is writable"
        case .statement(let sql, let message):
            "state database error: \(message) (in: \(sql.prefix(80)))"
        }
    }
}
