// The live precision of a task's automatic decisions, measured by audited ones, with its confidence interval, and
// whether that interval says precision has fallen below the target (the alarm of issue 16, point 5).

/// Audited automatic decisions of one expert version, read against the thresholds served now.
///
/// An audit is an automatic decision drawn at random (the sampled share of traffic, or `--audit-rate` among
/// automatic decisions) that a human then labelled, so the audits are a random sample of the automatic decisions
/// and their agreement estimates the precision the service delivers. Only audits that the current calibration
/// still decides automatically count: after thresholds are tightened, the audits they no longer admit say nothing
/// about them, and those they still admit remain a random sample of what they decide. Callers pass the newest
/// audits (the policy's `alarm_window`), so the reading follows the present.
///
/// The interval is two one-sided Clopper-Pearson bounds at `confidence` (`PrecisionBound`); together they cover
/// the true precision with probability at least 2·confidence − 1. The alarm is raised when even the upper bound is
/// below the target, on at least `minimumAudits` audits: the audits then show, at that confidence, that precision
/// is below what was promised.
public struct PrecisionWatch: Sendable, Equatable, Codable {
    public let audited: Int
    public let agreed: Int
    /// Bounds of the precision at `confidence` (0 and 1 with no audit).
    public let lower: Double
    public let upper: Double
    public let target: Double
    public let confidence: Double
    /// Agreed audits per label (the label the model decided), for finding which label went wrong.
    public let byLabel: [String: LabelCount]

    public struct LabelCount: Sendable, Equatable, Codable {
        public var audited = 0
        public var agreed = 0
        public var precision: Double? { audited == 0 ? nil : Double(agreed) / Double(audited) }
    }

    public var precision: Double? { audited == 0 ? nil : Double(agreed) / Double(audited) }
    /// Raised on at least `minimumAudits` audits whose upper bound is below the target.
    public var alarm: Bool { audited >= Self.minimumAudits && upper < target }

    /// Audits the alarm needs at least. The bound is checked after every audit verdict, so on a handful of them a
    /// version whose precision is fine would be condemned too often (1 of 3 agreed already has an upper bound of
    /// 0.86); at 20 an alarm needs at most 14 agreed, which a version at precision 0.9 gives with probability
    /// about 1 %.
    public static let minimumAudits = 20

    /// - Parameters:
    ///   - audits: audited automatic decisions of the version served: the scores it gave and the label the human
    ///     chose (index into `labels`).
    ///   - calibration: the thresholds served now.
    public init(
        audits: [ThresholdCalibrator.Sample], labels: [String], calibration: Calibration?, target: Double,
        confidence: Double
    ) {
        precondition(confidence > 0 && confidence < 1, "confidence in (0, 1)")
        let rule = calibration.map { DecisionRule(labels: labels, compliantLabel: nil, calibration: $0) }
        let counted = audits.filter { rule?.decide($0.scores).isAutomatic ?? false }
        var byLabel: [String: LabelCount] = [:]
        for audit in counted {
            let top = TopScore.index(audit.scores)
            byLabel[labels[top], default: LabelCount()].audited += 1
            if audit.label == top { byLabel[labels[top], default: LabelCount()].agreed += 1 }
        }
        audited = counted.count
        agreed = byLabel.values.reduce(0) { $0 + $1.agreed }
        lower = PrecisionBound.lower(correct: agreed, total: audited, confidence: confidence)
        upper = audited == 0 ? 1 : PrecisionBound.upper(correct: agreed, total: audited, confidence: confidence)
        self.byLabel = byLabel
        self.target = target
        self.confidence = confidence
    }

    enum CodingKeys: String, CodingKey {
        case audited, agreed, precision, lower, upper, target, confidence, alarm
        case byLabel = "by_label"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        audited = try c.decode(Int.self, forKey: .audited)
        agreed = try c.decode(Int.self, forKey: .agreed)
        lower = try c.decode(Double.self, forKey: .lower)
        upper = try c.decode(Double.self, forKey: .upper)
        target = try c.decode(Double.self, forKey: .target)
        confidence = try c.decode(Double.self, forKey: .confidence)
        byLabel = try c.decode([String: LabelCount].self, forKey: .byLabel)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(audited, forKey: .audited)
        try c.encode(agreed, forKey: .agreed)
        try c.encode(precision, forKey: .precision)
        try c.encode(lower, forKey: .lower)
        try c.encode(upper, forKey: .upper)
        try c.encode(target, forKey: .target)
        try c.encode(confidence, forKey: .confidence)
        try c.encode(alarm, forKey: .alarm)
        try c.encode(byLabel, forKey: .byLabel)
    }
}
