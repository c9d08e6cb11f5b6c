// A tiny random base model with random experts and a bundle folder written by code (no stored fixtures).

import Foundation
import MoELoRA

/// A tiny base model folder, loaded, with a random shared expert and random task experts.
public struct TinyMoE {
    public let folder: URL
    public let base: BaseModel
    public let shared: SharedExpert
    public let tasks: [TaskExpert]

    /// Task names and labels of the default fixture: two moderation tasks and one with three labels.
    public static let taskLabels: [(String, [String])] = [
        ("spam", ["compliant", "violating"]), ("hate", ["compliant", "violating"]),
        ("topic", ["world", "sports", "tech"]),
    ]

    /// Writes a TinyBert (or, `llama`, a TinyLlama) of the given sizes to a temporary folder and builds random
    /// experts for it.
    /// - Parameters:
    ///   - bScale: range of the random B factors (0 makes every expert equal the base).
    ///   - ranks: the rank of each task expert in `taskLabels` order (the shared expert has rank 8).
    public init(
        seed: UInt64 = 7, hidden: Int = 16, intermediate: Int = 24, bScale: Float = 0.2, ranks: [Int] = [8, 4, 8],
        llama: Bool = false
    ) throws {
        folder = TestPaths.temporaryFolder("moecl-tiny-moe")
        let model = folder.appendingPathComponent("model")
        if llama {
            try TinyLlama(seed: seed, hidden: hidden, intermediate: intermediate).write(to: model)
        } else {
            try TinyBert(seed: seed, hidden: hidden, intermediate: intermediate).write(to: model)
        }
        let base = try BaseModel.load(path: model.path)
        self.base = base
        shared = RandomExperts.shared(base: base, bScale: bScale, seed: seed &+ 100)
        tasks = Self.taskLabels.enumerated().map { i, entry in
            RandomExperts.task(
                name: entry.0, labels: entry.1, base: base, rank: ranks[i % ranks.count], bScale: bScale,
                seed: seed &+ UInt64(i))
        }
    }

    public var modelPath: String { folder.appendingPathComponent("model").path }

    public func snapshot() throws -> ExpertSnapshot { try ExpertSnapshot(base: base, shared: shared, tasks: tasks) }

    /// Writes the bundle into `folder/bundle` and returns its path.
    @discardableResult
    public func writeBundle(name: String = "bundle") throws -> String {
        let path = folder.appendingPathComponent(name).path
        try ExpertBundle.write(shared: shared, tasks: tasks, to: path)
        return path
    }

    /// Removes the temporary folder.
    public func remove() { try? FileManager.default.removeItem(at: folder) }
}
