// The model being trained through a task sequence: frozen base, shared expert, gates, discriminators, task slots.

import MoELoRA
import TensorCore
import Transformer

/// Mutable training state over a frozen base of either family (moe-cl.md §3). Owned by one thread; `step`
/// computes gradients into the parameters' buffers and the trainer applies AdamW.
///
/// Shapes: d hidden, f intermediate, L layers, K discriminator classes (≥ number of tasks).
public final class ContinualModel {
    public let backbone: any Backbone
    public let shape: BackboneShape
    let blocks: any FrozenBlocks
    public let mixing: ExpertMixing
    /// The shared expert (MoE-CL) or the single sequential LoRA; nil for per-task LoRA.
    public let shared: LoRAParameters?
    /// Per layer G [2, d] (gated mixing only).
    public let gates: [Parameter]
    /// Per layer task discriminators (gated mixing only); replaced with more classes when tasks outgrow them.
    public private(set) var discriminators: [DiscriminatorParameters]
    public private(set) var tasks: [TaskSlot] = []
    public let rank: Int
    public let alpha: Float

    /// A model with a fresh shared expert (A random, B = 0), gates and zero discriminators. The gates start at zero
    /// (g = ½, ½ for every token), or with `gateInitStd` > 0 uniform with that standard deviation (drawn after the
    /// shared expert, from the same seed).
    public init(
        backbone: any Backbone, mixing: ExpertMixing, rank: Int = 8, alpha: Float = 16,
        discriminatorClasses: Int = 8, gateInitStd: Float = 0, seed: UInt64
    ) {
        self.backbone = backbone
        shape = backbone.shape
        blocks = frozenBlocks(backbone)
        self.mixing = mixing
        self.rank = rank
        self.alpha = alpha
        var rng = SplitMix64(seed: seed)
        let c = shape
        shared =
            mixing.usesShared ? LoRAParameters(fresh: c, rank: rank, alpha: alpha, prefix: "shared", rng: &rng) : nil
        let gated = mixing == .gated
        gates =
            gated
            ? (0..<c.layers).map { layer in
                let width = gateInitStd * Float(3).squareRoot()  // uniform on [-w, w] has std w / √3
                let values = (0..<(2 * c.hiddenSize)).map { _ in gateInitStd > 0 ? width * rng.nextSigned() : 0 }
                return Parameter(name: "gate.\(layer)", values: values)
            } : []
        discriminators =
            gated
            ? (0..<c.layers).map {
                DiscriminatorParameters(layer: $0, classes: discriminatorClasses, inputSize: c.hiddenSize)
            } : []
    }

    /// A gated model continuing from a snapshot: its shared expert, gates, discriminators and tasks (in `order`).
    public init(snapshot: ExpertSnapshot, order: [String]) throws {
        backbone = snapshot.base.backbone
        shape = backbone.shape
        blocks = frozenBlocks(backbone)
        mixing = .gated
        rank = snapshot.shared.expert.rank
        alpha = snapshot.shared.expert.alpha
        shared = LoRAParameters(snapshot.shared.expert, prefix: "shared")
        gates = snapshot.shared.gates.enumerated().map { Parameter(name: "gate.\($0)", values: $1.array) }
        let d = shape.hiddenSize
        let count = max(8, order.count + 1)
        discriminators =
            (snapshot.shared.discriminators.map { stored in
                stored.enumerated().map { DiscriminatorParameters(layer: $0, $1) }
            } ?? []).filter { $0.classes >= count }
        if discriminators.isEmpty {
            discriminators = (0..<shape.layers).map {
                DiscriminatorParameters(layer: $0, classes: count, inputSize: d)
            }
        }
        for name in order {
            let t = try snapshot.task(name)
            tasks.append(
                TaskSlot(
                    name: t.name, labels: t.labels, compliantLabel: t.metadata.compliantLabel,
                    lora: LoRAParameters(t.expert, prefix: "task.\(t.name)"),
                    head: HeadParameters(t.head, prefix: "head.\(t.name)"), version: t.version,
                    promptTemplate: t.metadata.promptTemplate))
        }
    }

    /// Adds a task with a fresh expert (A random, B = 0) and head, its texts framed by `promptTemplate`; returns
    /// its index.
    @discardableResult
    public func addTask(
        name: String, labels: [String], compliantLabel: String?, seed: UInt64, version: Int = 1,
        promptTemplate: PromptTemplate? = nil
    ) -> Int {
        precondition(!tasks.contains { $0.name == name }, "task '\(name)' is already in the model")
        var rng = SplitMix64(seed: seed)
        let lora =
            mixing.usesTaskExperts
            ? LoRAParameters(fresh: shape, rank: rank, alpha: alpha, prefix: "task.\(name)", rng: &rng) : nil
        let head = HeadParameters(fresh: labels, inputSize: shape.hiddenSize, prefix: "head.\(name)", rng: &rng)
        tasks.append(
            TaskSlot(
                name: name, labels: labels, compliantLabel: compliantLabel, lora: lora, head: head,
                version: version, promptTemplate: promptTemplate))
        if mixing == .gated, tasks.count > discriminators[0].classes {
            discriminators = (0..<shape.layers).map {
                DiscriminatorParameters(layer: $0, classes: 2 * tasks.count, inputSize: shape.hiddenSize)
            }
        }
        return tasks.count - 1
    }

    /// Index of the task called `name`.
    public func taskIndex(_ name: String) -> Int? { tasks.firstIndex { $0.name == name } }

    /// The parameters a step on task `t` trains: the task's expert and head, and (by method) the shared expert,
    /// gates and discriminators.
    public func trainableParameters(task t: Int, adversarial: Bool) -> [Parameter] {
        var result = tasks[t].parameters
        if let shared { result += shared.parameters }
        result += gates
        if adversarial { result += discriminators.flatMap(\.parameters) }
        return result
    }

    /// The parameters every task uses: the shared expert's and the gates'.
    public var sharedParameters: [Parameter] { (shared?.parameters ?? []) + gates }

    /// Every parameter of the model (for checkpoints).
    public var allParameters: [Parameter] {
        (shared?.parameters ?? []) + gates + discriminators.flatMap(\.parameters) + tasks.flatMap(\.parameters)
    }
}
