// One scored (text, task) pair as the API returns it.

import Moderation

/// The result of one text under one task.
struct ClassifyResult: Encodable {
    struct ExpertRef: Encodable {
        let task: String
        let version: Int
    }

    /// The scene guard's view of the text, when the task's expert has a scene detector.
    struct Scene: Encodable {
        /// In-scene probability: how much the text looks like the task's own texts.
        let score: Float
        let threshold: Double
        /// Whether the guard is on (an out-of-scene text then goes to review).
        let enabled: Bool
        let inScene: Bool

        enum CodingKeys: String, CodingKey {
            case score, threshold, enabled
            case inScene = "in_scene"
        }
    }

    /// Index of the text in the request's `texts` (0 for `text`).
    let index: Int
    let task: String
    /// The top-scoring label.
    let label: String
    /// white, black, auto or review; review when the expert has no calibration.
    var decision: Decision
    /// Probability per label (sums to 1).
    let scores: [String: Float]
    /// The thresholds per label the decision used; empty without calibration.
    let thresholds: [String: Double]
    let expert: ExpertRef
    /// Tokens scored, special tokens included.
    let tokens: Int
    /// Whether the text was cut to the model's window.
    let truncated: Bool
    /// The review queue item, when the decision was review (or the text was picked for audit).
    var reviewId: Int64?
    /// Whether the item is an audit of an automatic decision.
    var audit: Bool?
    /// The scene guard's score and verdict; nil when the expert has no scene detector.
    var scene: Scene?
    /// Span attributions for the top label, when the request asked for them.
    var explanation: Explanation?
    /// The policy list entry that decided (or sent to review) this text, when one matched.
    var policy: PolicyMatch?

    enum CodingKeys: String, CodingKey {
        case index, task, label, decision, scores, thresholds, expert, tokens, truncated, audit, scene, explanation
        case policy
        case reviewId = "review_id"
    }
}

/// The body of a classification response.
struct ClassifyResponse: Encodable {
    let requestId: String
    let results: [ClassifyResult]

    enum CodingKeys: String, CodingKey {
        case requestId = "request_id", results
    }
}
