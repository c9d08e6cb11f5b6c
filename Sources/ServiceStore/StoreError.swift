// Failures of the durable state: the database's message and what to do.

/// A database that cannot be opened, a statement that failed, or a schema this binary does not know.
public enum StoreError: Error, Equatable, Sendable, CustomStringConvertible {
    case open(path: String, message: String)
    case statement(sql: String, message: String)
    case schema(database: String, component: String, version: Int, known: Int)

    public var description: String {
        switch self {
        case .open(let path, let message):
            "cannot open the state database \(path): \(message); check the folder exists and is writable, "
                + "or that the database server is reachable and the URL's user, password and database are right"
        case .statement(let sql, let message):
            "state database error: \(message) (in: \(sql.prefix(80)))"
        case .schema(let database, let component, let version, let known):
            "the state database \(database) has \(component) schema version \(version), "
                + "but this moecl knows only up to \(known): it was upgraded by a newer moecl; "
                + "run that version (or a newer one) on every replica"
        }
    }
}
