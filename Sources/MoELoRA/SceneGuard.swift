// The scene guard's settings in an expert's metadata: threshold, whether it decides, how it was fitted.

/// Stored as the `scene` metadata entry (JSON) of a task expert that carries a `SceneDetector`. When `enabled`, a
/// text whose scene score is below `threshold` goes to review instead of being decided automatically (the answer
/// says so); when not, the score is only reported.
public struct SceneGuard: Sendable, Equatable, Codable {
    /// Texts scoring below it are out of scene.
    public var threshold: Double
    /// Whether out-of-scene texts are sent to review.
    public var enabled: Bool
    /// The share of the task's own dev texts the threshold lets through when it was fitted (e.g. 0.95).
    public var keep: Double?
    /// AUROC of the detector on dev: the task's own texts against the other tasks' texts.
    public var aurocDev: Double?
    /// ISO 8601 time of the fit.
    public var fittedAt: String?

    public init(threshold: Double, enabled: Bool, keep: Double? = nil, aurocDev: Double? = nil, fittedAt: String? = nil)
    {
        self.threshold = threshold
        self.enabled = enabled
        self.keep = keep
        self.aurocDev = aurocDev
        self.fittedAt = fittedAt
    }

    /// What is wrong with the settings, or nil.
    public var problem: String? {
        guard threshold.isFinite, (0...1).contains(threshold) else { return "threshold must be a number in [0, 1]" }
        if let keep, !(keep > 0 && keep <= 1) { return "keep must be in (0, 1]" }
        return nil
    }

    enum CodingKeys: String, CodingKey {
        case threshold, enabled, keep
        case aurocDev = "auroc_dev", fittedAt = "fitted_at"
    }
}
