// When and how a task's expert evolves from reviewers' verdicts.

import Moderation

/// A task's evolution policy (stored per task; `PUT /v1/tasks/{task}/evolution`).
public struct EvolutionPolicy: Sendable, Codable, Equatable {
    /// Whether runs start by themselves every `every` new verdicts.
    public var auto = true
    /// New verdicts of the task between automatic runs.
    public var every = 200
    /// Verdicts a run needs at least (train and held back together).
    public var minVerdicts = 100
    /// How much the candidate's reject rate at the target precision must beat the current expert's (absolute
    /// share, e.g. 0.02 = 2 points) to be promoted.
    public var margin = 0.02
    public var mode = EvolutionMode.task
    /// The precision automatic decisions must keep; nil: the current expert's calibration target (else 0.9).
    public var targetPrecision: Double?
    /// Confidence of the one-sided Clopper-Pearson bound thresholds are chosen by.
    public var confidence = 0.95
    /// What the target precision applies to: each label on its own (the default), or all automatic decisions
    /// together (decides more from the same verdicts, but its thresholds, searched in two dimensions, flatter
    /// the held-back verdicts more: docs/EVOLUTION.md).
    public var precisionScope = PrecisionScope.label
    /// Share of the sampled verdicts held back from training for calibration and comparison.
    public var holdOut = 0.5
    /// Training epochs over the task's verdicts.
    public var epochs = 4
    /// Fresh audit verdicts (sampled traffic answered after the run started) a candidate that passed on held-back
    /// verdicts must be judged on while it shadows the current expert; 0 promotes on held-back verdicts alone.
    public var shadowVerdicts = 40
    /// Hours the shadow phase waits for them before the candidate is rejected.
    public var shadowHours = 72.0
    /// What the service does when the audits show, at `confidence`, that the task's precision fell below the
    /// target (`PrecisionWatch.alarm`), besides the metric, the stats field and the log line.
    public var alarmResponse = AlarmResponse.auto
    /// The newest audited automatic decisions the live precision is measured on.
    public var alarmWindow = 400
    /// Whether runs train also on the texts the task's expert was first trained on, when its metadata records
    /// them and the file is found unchanged (`TrainingSource`).
    public var originalData = true

    public init() {}

    /// The policy of a task with none stored on a server started with `--evolve-every every` (0: no automatic
    /// runs).
    public static func serverDefault(every: Int) -> EvolutionPolicy {
        var policy = EvolutionPolicy()
        policy.auto = every > 0
        policy.every = max(1, every)
        return policy
    }

    enum CodingKeys: String, CodingKey {
        case auto, every, margin, mode, confidence, epochs
        case minVerdicts = "min_verdicts", targetPrecision = "target_precision", holdOut = "hold_out"
        case shadowVerdicts = "shadow_verdicts", shadowHours = "shadow_hours"
        case alarmResponse = "alarm_response", alarmWindow = "alarm_window", originalData = "original_data"
        case precisionScope = "precision_scope"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = EvolutionPolicy()
        auto = try c.decodeIfPresent(Bool.self, forKey: .auto) ?? d.auto
        every = try c.decodeIfPresent(Int.self, forKey: .every) ?? d.every
        minVerdicts = try c.decodeIfPresent(Int.self, forKey: .minVerdicts) ?? d.minVerdicts
        margin = try c.decodeIfPresent(Double.self, forKey: .margin) ?? d.margin
        mode = try c.decodeIfPresent(EvolutionMode.self, forKey: .mode) ?? d.mode
        targetPrecision = try c.decodeIfPresent(Double.self, forKey: .targetPrecision)
        confidence = try c.decodeIfPresent(Double.self, forKey: .confidence) ?? d.confidence
        precisionScope = try c.decodeIfPresent(PrecisionScope.self, forKey: .precisionScope) ?? d.precisionScope
        holdOut = try c.decodeIfPresent(Double.self, forKey: .holdOut) ?? d.holdOut
        epochs = try c.decodeIfPresent(Int.self, forKey: .epochs) ?? d.epochs
        shadowVerdicts = try c.decodeIfPresent(Int.self, forKey: .shadowVerdicts) ?? d.shadowVerdicts
        shadowHours = try c.decodeIfPresent(Double.self, forKey: .shadowHours) ?? d.shadowHours
        alarmResponse = try c.decodeIfPresent(AlarmResponse.self, forKey: .alarmResponse) ?? d.alarmResponse
        alarmWindow = try c.decodeIfPresent(Int.self, forKey: .alarmWindow) ?? d.alarmWindow
        originalData = try c.decodeIfPresent(Bool.self, forKey: .originalData) ?? d.originalData
    }

    /// Why this policy cannot be used, or nil.
    public var problem: String? {
        if every < 1 { return "'every' must be at least 1 verdict" }
        if minVerdicts < 10 { return "'min_verdicts' must be at least 10" }
        if !(0...1).contains(margin) { return "'margin' must be from 0 to 1" }
        if let t = targetPrecision, !(t > 0 && t <= 1) { return "'target_precision' must be in (0, 1]" }
        if !(confidence > 0 && confidence < 1) { return "'confidence' must be in (0, 1)" }
        if !(holdOut > 0 && holdOut < 1) { return "'hold_out' must be in (0, 1)" }
        if !(1...50).contains(epochs) { return "'epochs' must be from 1 to 50" }
        if !(0...100_000).contains(shadowVerdicts) { return "'shadow_verdicts' must be from 0 to 100000" }
        if !(shadowHours > 0 && shadowHours <= 24 * 365) { return "'shadow_hours' must be in (0, 8760]" }
        if !(30...1_000_000).contains(alarmWindow) { return "'alarm_window' must be from 30 to 1000000" }
        return nil
    }
}
