// One self-evolution run of a task, as stored.

/// A run: who started it and why, where it stands, and (when finished) its measures and reasons.
public struct EvolutionRun: Sendable, Equatable, Codable {
    public enum Status: String, Sendable, Codable, CaseIterable {
        /// Training or assessing; holds the task's lease.
        case running
        /// Passed its held-back assessment; its candidate scores live traffic beside the current expert.
        case shadow
        /// Passed its assessment; its expert is being registered.
        case promoting
        /// Its expert serves the task.
        case promoted
        /// Assessed and not promoted (the reasons say why).
        case rejected
        /// Stopped by an error or an interruption (the reasons say which).
        case failed

        /// Whether the run still holds its task's lease.
        public var isActive: Bool { self == .running || self == .shadow || self == .promoting }
    }

    public let id: Int64
    public let task: String
    public let mode: String
    /// `auto` (every N verdicts), `api` (POST …/evolve) or `cli` (moecl evolve).
    public let trigger: String
    public let status: Status
    /// The expert version the run started from, and the candidate's.
    public let parentVersion: Int
    public let candidateVersion: Int?
    /// Verdicts of the task when the run started.
    public let verdicts: Int
    /// The assessment's measures (JSON object), when assessed.
    public let metrics: String?
    public let reasons: [String]
    public let candidateSHA256: String?
    public let startedAt: Double
    public let finishedAt: Double?
    public let leaseExpiresAt: Double?
    /// The newest review item when the run started: it trains on items up to this one; later ones are fresh.
    public let itemWatermark: Int64
    /// Shadow tallies: texts scored, texts the candidate would decide automatically, texts where its decision
    /// and label equal the current expert's.
    public let shadowTexts: Int
    public let shadowAutomatic: Int
    public let shadowAgreed: Int

    enum CodingKeys: String, CodingKey {
        case id, task, mode, trigger, status, verdicts, metrics, reasons
        case parentVersion = "parent_version", candidateVersion = "candidate_version"
        case candidateSHA256 = "candidate_sha256", startedAt = "started_at", finishedAt = "finished_at"
        case leaseExpiresAt = "lease_expires_at", itemWatermark = "item_watermark", shadowTexts = "shadow_texts"
        case shadowAutomatic = "shadow_automatic", shadowAgreed = "shadow_agreed"
    }
}
