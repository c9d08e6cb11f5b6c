// Limits of the service's API (the HTTP limits live in HTTPServerConfiguration).

import ServiceStore

/// Per-request bounds of the classification API.
public struct ServiceConfiguration: Sendable {
    /// Texts in one `texts` array at most; beyond it: 422.
    public var maxTextsPerRequest = 64
    /// Characters per text at most; beyond it: 422 (texts within it but over the model's window are truncated).
    public var maxCharactersPerText = 20_000
    /// Spans an explained text is cut into at most (`"explain": true`; more words are merged into runs).
    public var maxExplainSpans = 32
    /// Explained (text, task) pairs per request at most (each costs up to `maxExplainSpans` extra sequences).
    public var maxExplainedPairs = 8
    /// Share of automatic decisions also queued as audit items (to measure real precision); 0 turns audits off.
    public var auditRate = 0.01
    /// Share of all texts drawn at random for review whatever their decision (`ReviewItem.sampled`): the unbiased
    /// sample that self-evolution calibrates candidates on and estimates precision from; 0 turns it off.
    public var sampleRate = 0.05
    /// Seed of the draws that pick sampled and audited texts; nil: the system's generator. With a seed, the same
    /// traffic in the same order samples the same texts (for simulations that must repeat).
    public var sampleSeed: UInt64?
    /// The order claims hand out items in when the claim does not say (`ClaimOrder`).
    public var claimOrder = ClaimOrder.informative
    /// Seconds after which an item is handed out before fresher ones, whatever the order.
    public var reviewMaxWaitSeconds = 86_400.0
    /// Lease of claimed review items when the claim does not say.
    public var defaultLeaseSeconds = 300.0
    /// Items per claim at most.
    public var maxClaim = 100
    /// New verdicts of a task between automatic evolution runs (a task's stored policy overrides it); 0 starts
    /// none by itself.
    public var evolveEvery = 0
    /// Where evolution runs look for the training files experts record (`--training-data`).
    public var trainingData: String?
    /// Evolution runs of all tasks active at once at most, across replicas (each trains a model).
    public var maxEvolutionRuns = 1
    /// Uploads kept per task, files and registry rows (so at most this many minus one rollbacks).
    public var keepUploads = 10
    /// Texts waiting for a shared-mode shadow's second forward at most; more are not scored by it (counted in
    /// `moecl_shadow_skipped_total`).
    public var sharedShadowBacklog = 512

    public init() {}
}
