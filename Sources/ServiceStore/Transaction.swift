// The transaction protocol both databases share: begin, run, commit; roll back when the body throws.

/// Runs `body` between `begin` and COMMIT using `execute`; on a throw, ROLLBACK and rethrow.
func runTransaction<T>(begin: String, execute: (String) throws -> Void, _ body: () throws -> T) throws -> T {
    try execute(begin)
    do {
        let result = try body()
        try execute("COMMIT")
        return result
    } catch {
        try? execute("ROLLBACK")
        throw error
    }
}
