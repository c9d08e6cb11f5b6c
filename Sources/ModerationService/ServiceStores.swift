// The service's durable state on one database: review queue, decision counts, decisions log, expert registry.

import ServiceStore

/// The stores the service keeps its state in, all on one SQLite file or one PostgreSQL database.
public struct ServiceStores: Sendable {
    public let reviews: ReviewStore
    public let decisions: DecisionStore
    /// The raw decisions log; nil keeps none.
    public let decisionLog: DecisionLog?
    public let registry: ExpertRegistry
    /// Self-evolution's policies and runs.
    public let evolution: EvolutionStore
    /// Every version of every task's policy list.
    public let policies: PolicyListStore

    /// Opens (and migrates) every store on `database`.
    public init(database: any SQLDatabase, keepDecisionLog: Bool) throws {
        reviews = try ReviewStore(database: database)
        decisions = try DecisionStore(database: database)
        decisionLog = keepDecisionLog ? try DecisionLog(database: database) : nil
        registry = try ExpertRegistry(database: database)
        evolution = try EvolutionStore(database: database)
        policies = try PolicyListStore(database: database)
    }

    /// Writes buffered decision counts and log rows.
    public func flush() throws {
        try decisions.flush()
        try decisionLog?.flush()
    }
}
