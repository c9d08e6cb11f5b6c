// One INSERT statement for many rows: the buffered counts and log rows reach the database in a few round trips
// instead of one per row, which matters when the database is across a network.

/// Builds `prefix VALUES (?1, …, ?k), (?k+1, …), … suffix` statements of at most `rowsPerStatement` rows.
enum MultiRowInsert {
    /// SQLite allows 32,766 parameters per statement and PostgreSQL 65,535; 200 rows of a few columns stay far
    /// below both.
    static let rowsPerStatement = 200

    /// Runs one statement per chunk of `rows` (each row `columns` values) on `database`.
    static func run(_ database: any SQLDatabase, prefix: String, suffix: String = "", columns: Int, rows: [[SQLValue]])
        throws
    {
        var start = 0
        while start < rows.count {
            let chunk = rows[start..<min(start + rowsPerStatement, rows.count)]
            let tuples = chunk.indices.map { row in
                "(" + (0..<columns).map { "?\((row - start) * columns + $0 + 1)" }.joined(separator: ", ") + ")"
            }
            try database.run("\(prefix) VALUES \(tuples.joined(separator: ", ")) \(suffix)", chunk.flatMap { $0 })
            start += rowsPerStatement
        }
    }
}
