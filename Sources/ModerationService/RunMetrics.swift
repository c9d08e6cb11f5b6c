// What an evolution run measured, as stored with the run and shown by GET /v1/tasks/{task}/evolution.

import Evolution

/// The assessment's measures of a run: both experts on the held-back verdicts, the candidate's thresholds, other
/// tasks' accuracy (shared mode), and the split's sizes.
struct RunMetrics: Codable {
    let current: ExpertMeasures
    let candidate: ExpertMeasures
    let thresholds: [String: Double]
    let otherTasks: [String: CandidateAssessment.OtherTaskAccuracy]
    let train: Int
    let development: Int
    let heldBack: Int
    let bestDevelopmentAccuracy: Double
    let trainingSeconds: Double

    enum CodingKeys: String, CodingKey {
        case current, candidate, thresholds, train, development
        case otherTasks = "other_tasks", heldBack = "held_back", bestDevelopmentAccuracy = "best_development_accuracy"
        case trainingSeconds = "training_seconds"
    }
}
