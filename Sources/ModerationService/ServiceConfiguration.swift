// Limits of the service's API (the HTTP limits live in HTTPServerConfiguration).

/// Per-request bounds of the classification API.
public struct ServiceConfiguration: Sendable {
    /// Texts in one `texts` array at most; beyond it: 422.
    public var maxTextsPerRequest = 64
    /// Characters per text at most; beyond it: 422 (texts within it but over the model's window are truncated).
    public var maxCharactersPerText = 20_000

    public init() {}
}
