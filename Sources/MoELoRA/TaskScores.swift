// The scores of one text under one task expert.

import Moderation

/// Class probabilities of one text for one task, with the expert version that produced them.
public struct TaskScores: Sendable, Equatable {
    public let task: String
    public let version: Int
    public let labels: [String]
    /// One probability per label, in `labels` order, summing to 1.
    public let scores: [Float]
    /// The shared expert's mean gate weight over this text's tokens and all layers (the efficient forward
    /// fills it; nil otherwise). Near 1: the shared expert dominates; near 0: the task expert does.
    public var sharedGateWeight: Float?
    /// The expert's scene score for this text (`SceneDetector`), when it has a detector.
    public var sceneScore: Float?

    public init(task: String, version: Int, labels: [String], scores: [Float]) {
        self.task = task
        self.version = version
        self.labels = labels
        self.scores = scores
    }

    /// The index of the top score (the first on ties).
    public var top: Int { TopScore.index(scores) }

    /// The top-scoring label (the first on ties).
    public var label: String { labels[top] }
}
