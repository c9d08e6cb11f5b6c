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
        let c = base.config, d = c.hiddenSize, f = c.intermediateSize
        func uniform(_ n: Int, _ bound: Float) -> [Float] { (0..<n).map { _ in bound * rng.nextSigned() } }
        let layers = (0..<c.numHiddenLayers).map { _ in
            ExpertLayer(
                up: LoRAFactors(
                    rank: rank, inputSize: d, outputSize: f, a: uniform(rank * d, 1 / Float(d).squareRoot()),
                    b: [Float](repeating: 0, count: f * rank)),
                down: LoRAFactors(
                    rank: rank, inputSize: f, outputSize: d, a: uniform(rank * f, 1 / Float(f).squareRoot()),
                    b: [Float](repeating: 0, count: d * rank)))
        }
        let metadata = ExpertMetadata(
            kind: .task, task: name, labels: labels, compliantLabel: compliantLabel, rank: rank, alpha: alpha,
            version: version, baseModelSHA256: base.fingerprint, createdAt: createdAt,
            training: "{\"method\":\"untrained\",\"seed\":\(seed)}",
            calibration: Calibration(targetPrecision: targetPrecision, thresholds: [:], calibratedAt: createdAt))
        let head = TaskHead(
            labels: labels, weight: [Float](repeating: 0, count: labels.count * d),
            bias: [Float](repeating: 0, count: labels.count))
        return TaskExpert(metadata: metadata, expert: LoRAExpert(rank: rank, alpha: alpha, layers: layers), head: head)
    }
}
