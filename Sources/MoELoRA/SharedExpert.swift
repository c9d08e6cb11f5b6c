// The shared expert, the per-layer gates and (for training) the per-layer task discriminators.

import TensorCore

/// The part of the model every task uses: the shared LoRA expert and one gate [2, d] per layer.
/// `discriminators`, when present, are the training-time task discriminators (weight [K, d], bias [K] per layer);
/// they never affect predictions.
public final class SharedExpert: Sendable {
    public let metadata: ExpertMetadata
    public let expert: LoRAExpert
    /// Per layer: G [2, d]; row 0 scores the shared expert, row 1 the task expert.
    public let gates: [FloatStorage]
    public let discriminators: [Discriminator]?

    /// A task discriminator of one layer.
    public struct Discriminator: Sendable {
        public let weight: FloatStorage
        public let bias: FloatStorage
        public init(weight: [Float], bias: [Float]) {
            self.init(weight: FloatStorage(weight), bias: FloatStorage(bias))
        }

        public init(weight: FloatStorage, bias: FloatStorage) {
            self.weight = weight
            self.bias = bias
        }
    }

    public convenience init(
        metadata: ExpertMetadata, expert: LoRAExpert, gates: [[Float]], discriminators: [Discriminator]? = nil
    ) {
        self.init(
            metadata: metadata, expert: expert, gates: gates.map { FloatStorage($0) }, discriminators: discriminators)
    }

    public init(
        metadata: ExpertMetadata, expert: LoRAExpert, gates: [FloatStorage], discriminators: [Discriminator]? = nil
    ) {
        precondition(metadata.kind == .shared && gates.count == expert.layers.count, "one gate per layer")
        self.metadata = metadata
        self.expert = expert
        self.gates = gates
        self.discriminators = discriminators
    }

    public var version: Int { metadata.version }
}
