// Per-label confidence thresholds calibrated to a target precision, as stored with an expert version.

/// Thresholds τ_c per label: a text is auto-labelled c when c is its top label and score_c ≥ τ_c.
/// A label without a threshold is never decided automatically.
public struct Calibration: Sendable, Equatable, Codable {
    /// Precision the thresholds were chosen for, in (0, 1].
    public var targetPrecision: Double
    /// τ per label, each in [0, 1].
    public var thresholds: [String: Double]
    /// Share of the calibration samples decided automatically at these thresholds, when measured.
    public var expectedRejectRate: Double?
    /// Precision reached on the calibration samples per label, when measured.
    public var achievedPrecision: [String: Double]?
    /// When the thresholds were chosen by a lower confidence bound of precision (`PrecisionBound`): its
    /// confidence, and the bound reached per label on the calibration samples.
    public var confidence: Double?
    public var precisionLowerBound: [String: Double]?
    /// What the target applies to (nil: each label, `PrecisionScope.label`, as calibrations made before the
    /// scope existed).
    public var scope: PrecisionScope?
    /// With `scope` `.decisions` and a confidence: the lower bound reached by all automatic decisions together.
    public var overallPrecisionLowerBound: Double?
    /// Number of labelled samples used.
    public var samples: Int?
    /// When the thresholds were set (ISO 8601), when known.
    public var calibratedAt: String?

    public init(
        targetPrecision: Double, thresholds: [String: Double], expectedRejectRate: Double? = nil,
        achievedPrecision: [String: Double]? = nil, confidence: Double? = nil,
        precisionLowerBound: [String: Double]? = nil, samples: Int? = nil, calibratedAt: String? = nil
    ) {
        self.confidence = confidence
        self.precisionLowerBound = precisionLowerBound
        self.targetPrecision = targetPrecision
        self.thresholds = thresholds
        self.expectedRejectRate = expectedRejectRate
        self.achievedPrecision = achievedPrecision
        self.samples = samples
        self.calibratedAt = calibratedAt
    }

    enum CodingKeys: String, CodingKey {
        case targetPrecision = "target_precision", thresholds, expectedRejectRate = "expected_reject_rate"
        case achievedPrecision = "achieved_precision", samples, calibratedAt = "calibrated_at", confidence
        case precisionLowerBound = "precision_lower_bound", scope = "precision_scope"
        case overallPrecisionLowerBound = "overall_precision_lower_bound"
    }

    /// Why these thresholds cannot be used with `labels`, or nil when they can.
    public func problem(labels: [String]) -> String? {
        guard targetPrecision > 0, targetPrecision <= 1 else {
            return "target precision \(targetPrecision) is outside (0, 1]"
        }
        for (label, tau) in thresholds.sorted(by: { $0.key < $1.key }) {
            if !labels.contains(label) { return "threshold for unknown label '\(label)' (labels: \(labels))" }
            if !(0...1).contains(tau) { return "threshold \(tau) for '\(label)' is outside [0, 1]" }
        }
        return nil
    }
}
