// A LoRA expert: adapters on every FFN projection of every layer, with its rank and alpha.

/// One expert (the shared one or a task's) over all layers.
public struct LoRAExpert: Sendable {
    public let rank: Int
    public let alpha: Float
    public let layers: [ExpertLayer]

    public init(rank: Int, alpha: Float, layers: [ExpertLayer]) {
        precondition(layers.allSatisfy { $0.up.rank == rank }, "every layer has the expert's rank")
        self.rank = rank
        self.alpha = alpha
        self.layers = layers
    }

    /// alpha / rank, the factor applied to every B·A.
    public var scale: Float { alpha / Float(rank) }

    /// Floats held in memory.
    public var parameterCount: Int { layers.reduce(0) { $0 + $1.parameterCount } }

    /// Whether every B is zero (then the expert leaves the base model unchanged).
    public var isIdentity: Bool { layers.allSatisfy(\.isIdentity) }
}
