// An immutable set of experts over one base model: what every request runs through, swapped whole on hot-load.

import Transformer

/// The base (by reference), the shared expert and gates, and the task experts with their thresholds.
///
/// A value type holding references to immutable experts: `adding`, `replacing` and `removing` return a new
/// snapshot that shares the unchanged experts, and leave this one valid for whoever still holds it.
public struct ExpertSnapshot: Sendable {
    public let base: BaseModel
    public let shared: SharedExpert
    public let tasks: [String: TaskExpert]

    /// A snapshot of `shared` and `tasks` over `base`, each checked to fit it.
    /// - Throws: `ExpertError.incompatible`, `.baseMismatch` or `.duplicateTask`.
    public init(base: BaseModel, shared: SharedExpert, tasks: [TaskExpert]) throws {
        try Self.check(shared.expert, name: "shared", fingerprint: shared.metadata.baseModelSHA256, base: base)
        for (l, gate) in shared.gates.enumerated() where gate.count != 2 * base.config.hiddenSize {
            throw ExpertError.incompatible(
                task: "shared",
                reason: "gate of layer \(l) has \(gate.count) values, "
                    + "needs 2 × \(base.config.hiddenSize)")
        }
        var map: [String: TaskExpert] = [:]
        for task in tasks {
            try Self.check(task, base: base)
            guard map.updateValue(task, forKey: task.name) == nil else {
                throw ExpertError.duplicateTask(task: task.name)
            }
        }
        self.init(unchecked: base, shared: shared, tasks: map)
    }

    private init(unchecked base: BaseModel, shared: SharedExpert, tasks: [String: TaskExpert]) {
        self.base = base
        self.shared = shared
        self.tasks = tasks
    }

    /// Task names, sorted.
    public var taskNames: [String] { tasks.keys.sorted() }

    /// The expert of `name`.
    /// - Throws: `ExpertError.unknownTask`.
    public func task(_ name: String) throws -> TaskExpert {
        guard let task = tasks[name] else { throw ExpertError.unknownTask(task: name, known: taskNames) }
        return task
    }

    /// A snapshot with `task` added, or replacing the expert of the same name.
    public func adding(_ task: TaskExpert) throws -> ExpertSnapshot {
        try Self.check(task, base: base)
        var map = tasks
        map[task.name] = task
        return ExpertSnapshot(unchecked: base, shared: shared, tasks: map)
    }

    /// A snapshot without task `name`.
    /// - Throws: `ExpertError.unknownTask` when it is not loaded.
    public func removing(_ name: String) throws -> ExpertSnapshot {
        _ = try task(name)
        var map = tasks
        map[name] = nil
        return ExpertSnapshot(unchecked: base, shared: shared, tasks: map)
    }

    /// A snapshot with another shared expert and gates (as after training a new task).
    public func replacingShared(_ shared: SharedExpert) throws -> ExpertSnapshot {
        try ExpertSnapshot(base: base, shared: shared, tasks: Array(tasks.values))
    }

    /// Floats held by the experts (adapters, heads, gates); the base is not counted.
    public var parameterCount: Int {
        shared.expert.parameterCount + shared.gates.reduce(0) { $0 + $1.count }
            + tasks.values.reduce(0) { $0 + $1.parameterCount }
    }

    static func check(_ task: TaskExpert, base: BaseModel) throws {
        try check(task.expert, name: task.name, fingerprint: task.metadata.baseModelSHA256, base: base)
        guard task.head.inputSize == base.config.hiddenSize else {
            throw ExpertError.incompatible(
                task: task.name,
                reason: "head takes \(task.head.inputSize) inputs, "
                    + "the base's hidden size is \(base.config.hiddenSize)")
        }
    }

    static func check(_ expert: LoRAExpert, name: String, fingerprint: String, base: BaseModel) throws {
        let c = base.config
        guard fingerprint == base.fingerprint else {
            throw ExpertError.baseMismatch(path: "expert '\(name)'", expert: fingerprint, loaded: base.fingerprint)
        }
        guard (1...ExpertLimits.maxRank).contains(expert.rank) else {
            throw ExpertError.incompatible(
                task: name, reason: "rank \(expert.rank) is outside 1…\(ExpertLimits.maxRank)")
        }
        guard expert.layers.count == c.numHiddenLayers else {
            throw ExpertError.incompatible(
                task: name, reason: "\(expert.layers.count) layers, the base has \(c.numHiddenLayers)")
        }
        for (l, layer) in expert.layers.enumerated()
        where layer.up.inputSize != c.hiddenSize || layer.up.outputSize != c.intermediateSize
            || layer.down.inputSize != c.intermediateSize || layer.down.outputSize != c.hiddenSize
        {
            throw ExpertError.incompatible(
                task: name,
                reason: "layer \(l) adapts \(layer.up.inputSize)→\(layer.up.outputSize), "
                    + "the base is \(c.hiddenSize)→\(c.intermediateSize)")
        }
    }
}
