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
    /// Candidate experts scored beside a task's expert without deciding anything (self-evolution's shadow
    /// phase), by task name. A sequence asks for one with `shadowKey(task)`; `tasks` never holds them.
    public let shadows: [String: TaskExpert]

    /// A snapshot of `shared` and `tasks` over `base`, each checked to fit it.
    /// - Throws: `ExpertError.incompatible`, `.baseMismatch` or `.duplicateTask`.
    public init(base: BaseModel, shared: SharedExpert, tasks: [TaskExpert]) throws {
        try Self.check(shared.expert, name: "shared", fingerprint: shared.metadata.baseModelSHA256, base: base)
        for (l, gate) in shared.gates.enumerated() where gate.count != 2 * base.shape.hiddenSize {
            throw ExpertError.incompatible(
                task: "shared",
                reason: "gate of layer \(l) has \(gate.count) values, "
                    + "needs 2 × \(base.shape.hiddenSize)")
        }
        var map: [String: TaskExpert] = [:]
        for task in tasks {
            try Self.check(task, base: base)
            guard map.updateValue(task, forKey: task.name) == nil else {
                throw ExpertError.duplicateTask(task: task.name)
            }
        }
        self.init(unchecked: base, shared: shared, tasks: map, shadows: [:])
    }

    private init(
        unchecked base: BaseModel, shared: SharedExpert, tasks: [String: TaskExpert], shadows: [String: TaskExpert]
    ) {
        self.base = base
        self.shared = shared
        self.tasks = tasks
        self.shadows = shadows
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
        return ExpertSnapshot(unchecked: base, shared: shared, tasks: map, shadows: shadows)
    }

    /// A snapshot without task `name` (and without its shadow).
    /// - Throws: `ExpertError.unknownTask` when it is not loaded.
    public func removing(_ name: String) throws -> ExpertSnapshot {
        _ = try task(name)
        var map = tasks, others = shadows
        map[name] = nil
        others[name] = nil
        return ExpertSnapshot(unchecked: base, shared: shared, tasks: map, shadows: others)
    }

    /// A snapshot where `candidate` shadows the task of its name, or where that task has no shadow (nil).
    /// - Throws: `ExpertError.unknownTask` when the task is not loaded, or the candidate does not fit the base.
    public func shadowing(_ task: String, with candidate: TaskExpert?) throws -> ExpertSnapshot {
        _ = try self.task(task)
        if let candidate { try Self.check(candidate, base: base) }
        var others = shadows
        others[task] = candidate
        return ExpertSnapshot(unchecked: base, shared: shared, tasks: tasks, shadows: others)
    }

    /// The sequence key that scores `task`'s shadow (a name no task can have: task names have no ':').
    public static func shadowKey(_ task: String) -> String { "shadow:" + task }

    /// The expert a sequence key names: a task's, or with `shadowKey` its shadow's; nil when there is none.
    public func expert(forKey key: String) -> TaskExpert? {
        if let expert = tasks[key] { return expert }
        guard key.hasPrefix("shadow:") else { return nil }
        return shadows[String(key.dropFirst(7))]
    }

    /// A snapshot with another shared expert and gates (as after training a new task); shadows are dropped
    /// (they were trained beside the old shared expert).
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
        guard task.head.inputSize == base.shape.hiddenSize else {
            throw ExpertError.incompatible(
                task: task.name,
                reason: "head takes \(task.head.inputSize) inputs, "
                    + "the base's hidden size is \(base.shape.hiddenSize)")
        }
    }

    static func check(_ expert: LoRAExpert, name: String, fingerprint: String, base: BaseModel) throws {
        let c = base.shape
        guard fingerprint == base.fingerprint else {
            throw ExpertError.baseMismatch(path: "expert '\(name)'", expert: fingerprint, loaded: base.fingerprint)
        }
        guard (1...ExpertLimits.maxRank).contains(expert.rank) else {
            throw ExpertError.incompatible(
                task: name, reason: "rank \(expert.rank) is outside 1…\(ExpertLimits.maxRank)")
        }
        guard expert.layers.count == c.layers else {
            throw ExpertError.incompatible(
                task: name, reason: "\(expert.layers.count) layers, the base has \(c.layers)")
        }
        for (l, layer) in expert.layers.enumerated()
        where layer.up.inputSize != c.hiddenSize || layer.up.outputSize != c.intermediateSize
            || layer.down.inputSize != c.intermediateSize || layer.down.outputSize != c.hiddenSize
            || (layer.linear != nil) != c.isGated
            || (layer.linear.map { $0.inputSize != c.hiddenSize || $0.outputSize != c.intermediateSize } ?? false)
        {
            throw ExpertError.incompatible(
                task: name,
                reason: "layer \(l) adapts \(layer.adapters.count) projections "
                    + "\(layer.up.inputSize)→\(layer.up.outputSize), the base has \(c.isGated ? 3 : 2) "
                    + "(\(c.summary))")
        }
    }
}
