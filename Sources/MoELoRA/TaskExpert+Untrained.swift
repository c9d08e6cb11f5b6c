// The expert a new task starts from (cold start): it changes nothing in the base and decides nothing.

import Moderation
import TensorCore

extension TaskExpert {
    /// A task expert for `base` that has learnt nothing yet: A factors drawn as for training (uniform in ±1/√in),
    /// every B zero (the expert leaves the base unchanged), a zero head (every label scores 1/n), and a calibration
    /// without thresholds (every text goes to review). Reviewers' verdicts are its first training data.
    public static func untrained(
        name: String, labels: [String], compliantLabel: String?, base: BaseModel, rank: Int, alpha: Float,
        targetPrecision: Double, seed: UInt64, version: Int = 1, createdAt: String = ExpertMetadata.now()
    ) -> TaskExpert {
        var rng = SplitMix64(seed: seed)
        let d = base.shape.hiddenSize
        let layers = (0..<base.shape.layers).map { _ in
            ExpertLayer.random(shape: base.shape, rank: rank, bScale: nil, rng: &rng)
        }
        let metadata = ExpertMetadata(
            kind: .task, task: name, labels: labels, compliantLabel: compliantLabel, rank: rank, alpha: alpha,
            version: version, baseModelSHA256: base.fingerprint, baseFamily: base.shape.family.rawValue,
            createdAt: createdAt,
            promptTemplate: base.defaultPromptTemplate,
            training: "{\"method\":\"untrained\",\"seed\":\(seed)}",
            calibration: Calibration(targetPrecision: targetPrecision, thresholds: [:], calibratedAt: createdAt))
        let head = TaskHead(
            labels: labels, weight: [Float](repeating: 0, count: labels.count * d),
            bias: [Float](repeating: 0, count: labels.count))
        return TaskExpert(metadata: metadata, expert: LoRAExpert(rank: rank, alpha: alpha, layers: layers), head: head)
    }
}
