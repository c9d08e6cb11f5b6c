// What a run records after each stage of a task sequence: training summary and every seen task's scores.

/// Scores of one split: true label indices and class probabilities per example.
public struct SplitScores: Sendable, Codable, Equatable {
    public let labels: [Int]
    public let scores: [[Float]]

    public init(labels: [Int], scores: [[Float]]) {
        self.labels = labels
        self.scores = scores
    }

    /// Share of examples whose top score is their label.
    public var accuracy: Double {
        guard !labels.isEmpty else { return 0 }
        return Double(zip(scores, labels).filter { s, l in s.indices.max { s[$0] < s[$1] } == l }.count)
            / Double(labels.count)
    }
}

/// One task's dev and test scores after a stage.
public struct TaskEvaluation: Sendable, Codable, Equatable {
    public let task: String
    public let labels: [String]
    public let compliantLabel: String?
    public let dev: SplitScores
    public let test: SplitScores

    public init(task: String, labels: [String], compliantLabel: String?, dev: SplitScores, test: SplitScores) {
        self.task = task
        self.labels = labels
        self.compliantLabel = compliantLabel
        self.dev = dev
        self.test = test
    }

    enum CodingKeys: String, CodingKey {
        case task, labels, dev, test
        case compliantLabel = "compliant_label"
    }
}

/// `<run>/stage-<i>.json`: stage i trained `task`; `evaluations` covers tasks 0…i in sequence order.
public struct StageRecord: Sendable, Codable {
    public let stage: Int
    public let task: String
    public let method: String
    public let training: ContinualTrainer.TaskState
    public let evaluations: [TaskEvaluation]
    /// Labelled training texts of `task` (after any subsample); nil in records written before it was kept.
    public let trainExamples: Int?

    public init(
        stage: Int, task: String, method: String, training: ContinualTrainer.TaskState,
        evaluations: [TaskEvaluation], trainExamples: Int? = nil
    ) {
        self.stage = stage
        self.task = task
        self.method = method
        self.training = training
        self.evaluations = evaluations
        self.trainExamples = trainExamples
    }

    enum CodingKeys: String, CodingKey {
        case stage, task, method, training, evaluations
        case trainExamples = "train_examples"
    }
}
