// Limits of the service's API (the HTTP limits live in HTTPServerConfiguration).

/// Per-request bounds of the classification API.
public struct ServiceConfiguration: Sendable {
    /// Texts in one `texts` array at most; beyond it: 422.
    public var maxTextsPerRequest = 64
    /// Characters per text at most; beyond it: 422 (texts within it but over the model's window are truncated).
    public var maxCharactersPerText = 20_000
    /// Share of automatic decisions also queued as audit items (to measure real precision); 0 turns audits off.
    public var auditRate = 0.01
    /// Lease of claimed review items when the claim does not say.
    public var defaultLeaseSeconds = 300.0
    /// Items per claim at most.
    public var maxClaim = 100
    /// Uploads kept per task, files and registry rows (so at most this many minus one rollbacks).
    public var keepUploads = 10

    public init() {}
}
