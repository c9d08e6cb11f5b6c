// What an evolution run measured, as stored with the run and shown by GET /v1/tasks/{task}/evolution.

import Evolution

/// The assessment's measures of a run: both experts on the held-back verdicts, the candidate's thresholds, other
/// tasks' accuracy (shared mode), the split's sizes, and (after its shadow phase) both experts on fresh audit
/// verdicts.
struct RunMetrics: Codable {
    let current: ExpertMeasures
    /// The current expert recalibrated on the held-back verdicts as the candidate was (what it is compared with).
    var currentAtTarget: ExpertMeasures?
    /// The candidate that went on: the trained one, or (`recalibrated`) the current expert at `currentAtTarget`.
    let candidate: ExpertMeasures
    var recalibrated: Bool?
    /// The trained candidate, when the recalibrated current expert went on in its place.
    var trained: ExpertMeasures?
    let thresholds: [String: Double]
    let otherTasks: [String: CandidateAssessment.OtherTaskAccuracy]
    /// Other tasks' accuracy on their dev data (shared mode, where found).
    var otherTasksDevelopment: [String: CandidateAssessment.OtherTaskAccuracy]?
    let train: Int
    let development: Int
    let heldBack: Int
    let bestDevelopmentAccuracy: Double
    let trainingSeconds: Double
    /// Texts of the expert's original training data trained on beside the verdicts.
    var original: Int?
    var shadow: Shadow?

    /// The shadow phase's judgement on fresh audit verdicts.
    struct Shadow: Codable {
        let current: ExpertMeasures
        let candidate: ExpertMeasures
        let pooledAutomatic: Int
        let pooledCorrect: Int
        let pooledLowerBound: Double

        init(_ a: ShadowAssessment) {
            current = a.current
            candidate = a.candidate
            pooledAutomatic = a.pooledAutomatic
            pooledCorrect = a.pooledCorrect
            pooledLowerBound = a.pooledLowerBound
        }

        enum CodingKeys: String, CodingKey {
            case current, candidate
            case pooledAutomatic = "pooled_automatic", pooledCorrect = "pooled_correct"
            case pooledLowerBound = "pooled_precision_lower_bound"
        }
    }

    enum CodingKeys: String, CodingKey {
        case current, candidate, thresholds, train, development, shadow, recalibrated, trained, original
        case currentAtTarget = "current_at_target"
        case otherTasks = "other_tasks", otherTasksDevelopment = "other_tasks_dev", heldBack = "held_back",
            bestDevelopmentAccuracy = "best_development_accuracy"
        case trainingSeconds = "training_seconds"
    }
}
