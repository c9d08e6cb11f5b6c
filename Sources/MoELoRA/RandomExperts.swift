// Random experts from a seed: fixtures for tests, the 1,000-expert scale test and benchmarks (never shipped).

import TensorCore
import Transformer

/// Builds experts with random weights that fit a base model.
///
/// A is uniform in ±1/√in (the training initialisation of moe-cl.md §3); B is uniform in ±`bScale` (0 gives an
/// expert equal to the base); heads and gates are uniform in ±1/√d.
public enum RandomExperts {
    /// A random task expert.
    public static func task(
        name: String, labels: [String] = ["compliant", "violating"], compliantLabel: String? = "compliant",
        base: BaseModel, rank: Int = 8, alpha: Float = 16, bScale: Float = 0.05,
        seed: UInt64, version: Int = 1
    ) -> TaskExpert {
        var rng = SplitMix64(seed: seed)
        let d = base.shape.hiddenSize
        let meta = ExpertMetadata(
            kind: .task, task: name, labels: labels,
            compliantLabel: labels.contains(compliantLabel ?? "") ? compliantLabel : nil,
            rank: rank, alpha: alpha, version: version, baseModelSHA256: base.fingerprint,
            baseFamily: base.shape.family.rawValue, promptTemplate: base.defaultPromptTemplate,
            training: "{\"method\":\"random\",\"seed\":\(seed)}")
        let expert = lora(shape: base.shape, rank: rank, alpha: alpha, bScale: bScale, rng: &rng)
        let head = TaskHead(
            labels: labels, weight: uniform(labels.count * d, 1 / Float(d).squareRoot(), &rng),
            bias: uniform(labels.count, 0.1, &rng))
        return TaskExpert(metadata: meta, expert: expert, head: head)
    }

    /// A random shared expert with random gates.
    public static func shared(
        base: BaseModel, rank: Int = 8, alpha: Float = 16, bScale: Float = 0.05, seed: UInt64,
        version: Int = 1
    ) -> SharedExpert {
        var rng = SplitMix64(seed: seed)
        let d = base.shape.hiddenSize
        let meta = ExpertMetadata(
            kind: .shared, rank: rank, alpha: alpha, version: version,
            baseModelSHA256: base.fingerprint, baseFamily: base.shape.family.rawValue,
            training: "{\"method\":\"random\",\"seed\":\(seed)}")
        let expert = lora(shape: base.shape, rank: rank, alpha: alpha, bScale: bScale, rng: &rng)
        let gates = (0..<base.shape.layers).map { _ in uniform(2 * d, 1 / Float(d).squareRoot(), &rng) }
        return SharedExpert(metadata: meta, expert: expert, gates: gates)
    }

    static func lora(shape: BackboneShape, rank r: Int, alpha: Float, bScale: Float, rng: inout SplitMix64)
        -> LoRAExpert
    {
        let layers = (0..<shape.layers).map { _ in
            ExpertLayer.random(shape: shape, rank: r, bScale: bScale, rng: &rng)
        }
        return LoRAExpert(rank: r, alpha: alpha, layers: layers)
    }

    static func uniform(_ count: Int, _ bound: Float, _ rng: inout SplitMix64) -> [Float] {
        (0..<count).map { _ in bound * rng.nextSigned() }
    }
}
