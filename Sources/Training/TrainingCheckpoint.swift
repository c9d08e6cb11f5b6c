// A resumable checkpoint: every parameter, the optimiser's moments, the best dev parameters and the task state.

import Foundation
import ModelFormats
import TensorCore

/// Written atomically after every epoch (`<run>/checkpoint.safetensors`); `--resume` reads it back.
///
/// Tensors: `param/<name>`, `best/<name>`, `adam.m/<name>`, `adam.v/<name>`. Metadata: `stage` (index of the task
/// being trained), `task`, `adam_step`, `state` (TaskState JSON), `options` (TrainerOptions JSON).
public struct TrainingCheckpoint {
    public var stage: Int
    public var task: String
    public var state: ContinualTrainer.TaskState
    public var optimizer: AdamW
    public var best: [String: [Float]]
    public var parameters: [String: [Float]]
    public var options: TrainerOptions

    public init(
        stage: Int, task: String, state: ContinualTrainer.TaskState, optimizer: AdamW, best: [String: [Float]],
        model: ContinualModel, options: TrainerOptions
    ) {
        self.stage = stage
        self.task = task
        self.state = state
        self.optimizer = optimizer
        self.best = best
        self.parameters = Dictionary(uniqueKeysWithValues: model.allParameters.map { ($0.name, $0.values) })
        self.options = options
    }

    public func write(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        var writer = SafeTensorsWriter(metadata: [
            "stage": String(stage), "task": task, "adam_step": String(optimizer.step),
            "state": String(decoding: try encoder.encode(state), as: UTF8.self),
            "options": String(decoding: try encoder.encode(options), as: UTF8.self),
        ])
        func add(_ prefix: String, _ map: [String: [Float]]) {
            for (name, values) in map.sorted(by: { $0.key < $1.key }) {
                writer.add(prefix + name, Tensor(shape: [values.count], data: values))
            }
        }
        add("param/", parameters)
        add("best/", best)
        add("adam.m/", optimizer.first)
        add("adam.v/", optimizer.second)
        try writer.write(to: path)
    }

    /// Reads a checkpoint written by `write`.
    /// - Throws: `ModelFormatsError` for an unreadable file, `DataError.badCheckpoint` for missing metadata.
    public static func read(path: String) throws -> TrainingCheckpoint {
        let file = try SafeTensorsFile(path: path)
        let m = file.metadata
        guard let stage = m["stage"].flatMap(Int.init), let task = m["task"],
            let step = m["adam_step"].flatMap(Int.init),
            let stateJSON = m["state"], let optionsJSON = m["options"]
        else {
            throw DataError.badCheckpoint(
                path: path, reason: "metadata keys stage, task, adam_step, state, options are required")
        }
        let decoder = JSONDecoder()
        let state = try decoder.decode(ContinualTrainer.TaskState.self, from: Data(stateJSON.utf8))
        let options = try decoder.decode(TrainerOptions.self, from: Data(optionsJSON.utf8))
        var maps: [String: [String: [Float]]] = ["param/": [:], "best/": [:], "adam.m/": [:], "adam.v/": [:]]
        for name in file.names {
            guard let prefix = maps.keys.first(where: { name.hasPrefix($0) }) else { continue }
            maps[prefix]![String(name.dropFirst(prefix.count))] = try file.tensor(name).data
        }
        var checkpoint = TrainingCheckpoint(
            stage: stage, task: task, state: state,
            optimizer: AdamW(
                config: options.optimizer, step: step, first: maps["adam.m/"]!,
                second: maps["adam.v/"]!),
            best: maps["best/"]!, parameters: [:], options: options)
        checkpoint.parameters = maps["param/"]!
        return checkpoint
    }

    private init(
        stage: Int, task: String, state: ContinualTrainer.TaskState, optimizer: AdamW, best: [String: [Float]],
        parameters: [String: [Float]], options: TrainerOptions
    ) {
        self.stage = stage
        self.task = task
        self.state = state
        self.optimizer = optimizer
        self.best = best
        self.parameters = parameters
        self.options = options
    }

    /// Copies the saved parameter values into `model`; every parameter must be in the checkpoint except those
    /// named in `fresh` (a task added after the checkpoint was written).
    public func restore(into model: ContinualModel, path: String, fresh: Set<String> = []) throws {
        for p in model.allParameters {
            if fresh.contains(p.name) && parameters[p.name] == nil { continue }
            guard let values = parameters[p.name], values.count == p.count else {
                throw DataError.badCheckpoint(
                    path: path,
                    reason: "parameter '\(p.name)' is missing or has another size; "
                        + "the checkpoint belongs to another run: start without --resume")
            }
            p.assign(values)
        }
    }
}
