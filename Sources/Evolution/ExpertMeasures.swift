// What an expert's decisions achieve on labelled samples: the reject rate, and precision with its bound.

import Moderation

/// The automatic decisions of one decision rule on labelled samples.
public struct ExpertMeasures: Sendable, Equatable, Codable {
    /// Samples scored.
    public let samples: Int
    /// Samples decided automatically, and how many of those the reviewers' label agrees with.
    public let automatic: Int
    public let correct: Int
    /// Share of samples whose top label is their label.
    public let accuracy: Double
    /// The one-sided lower confidence bound of precision (0 when nothing is decided).
    public let precisionLowerBound: Double

    /// Share decided automatically.
    public var rejectRate: Double { samples == 0 ? 0 : Double(automatic) / Double(samples) }
    /// Precision of the automatic decisions; nil when there are none.
    public var precision: Double? { automatic == 0 ? nil : Double(correct) / Double(automatic) }

    /// Measures `rule` on `samples` (scores in the rule's label order, the true label's index).
    public init(rule: DecisionRule, samples: [ThresholdCalibrator.Sample], confidence: Double) {
        var automatic = 0, correct = 0, right = 0
        for s in samples {
            let top = TopScore.index(s.scores)
            if top == s.label { right += 1 }
            guard rule.decide(s.scores, top: top).isAutomatic else { continue }
            automatic += 1
            if top == s.label { correct += 1 }
        }
        self.samples = samples.count
        self.automatic = automatic
        self.correct = correct
        accuracy = samples.isEmpty ? 0 : Double(right) / Double(samples.count)
        precisionLowerBound = PrecisionBound.lower(correct: correct, total: automatic, confidence: confidence)
    }

    enum CodingKeys: String, CodingKey {
        case samples, automatic, correct, accuracy
        case precisionLowerBound = "precision_lower_bound", rejectRate = "reject_rate", precision
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        samples = try c.decode(Int.self, forKey: .samples)
        automatic = try c.decode(Int.self, forKey: .automatic)
        correct = try c.decode(Int.self, forKey: .correct)
        accuracy = try c.decode(Double.self, forKey: .accuracy)
        precisionLowerBound = try c.decode(Double.self, forKey: .precisionLowerBound)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(samples, forKey: .samples)
        try c.encode(automatic, forKey: .automatic)
        try c.encode(correct, forKey: .correct)
        try c.encode(accuracy, forKey: .accuracy)
        try c.encode(precisionLowerBound, forKey: .precisionLowerBound)
        try c.encode(rejectRate, forKey: .rejectRate)
        try c.encodeIfPresent(precision, forKey: .precision)
    }
}
