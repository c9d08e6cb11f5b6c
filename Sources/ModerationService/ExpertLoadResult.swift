// The result label of moecl_expert_loads_total.

/// How an attempt to load an expert ended.
enum ExpertLoadResult: String, Sendable, CaseIterable {
    case ok
    /// The file was refused (corrupt, mismatched, for another task) or could no longer be loaded.
    case invalid
}
