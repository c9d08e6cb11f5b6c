// `moecl-bench experts-write`: writes a bundle of many random task experts for the loading and memory benchmark.

import ArgumentParser
import Foundation
import MoELoRA
import TensorCore

/// Writes `--count` random rank-8 task experts for the base model as a bundle folder.
/// The last line of stdout is JSON: `{"count": N, "file_bytes": B, "seconds": s}`.
public struct ExpertsWriteBenchCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "experts-write", abstract: "Write a bundle of random task experts (for experts-load).")

    @OptionGroup public var modelOptions: ModelOptions

    @Option(help: "Number of task experts.")
    public var count: Int = 1_000

    @Option(help: "Bundle folder to write (replaced).")
    public var folder: String

    public init() {}

    public func run() throws {
        let base = try modelOptions.loadBase()
        try? FileManager.default.removeItem(atPath: folder)
        let start = DispatchTime.now().uptimeNanoseconds
        let tasks = (0..<count).map { RandomExperts.task(name: "task-\($0)", base: base, seed: UInt64(1_000 + $0)) }
        try ExpertBundle.write(shared: RandomExperts.shared(base: base, seed: 1), tasks: tasks, to: folder)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let bytes =
            tasks.isEmpty
            ? 0
            : try FileManager.default.attributesOfItem(
                atPath: URL(fileURLWithPath: folder).appendingPathComponent("tasks/task-0.safetensors").path)[.size]
                as? Int ?? 0
        print("{\"count\":\(count),\"file_bytes\":\(bytes),\"seconds\":\(String(format: "%.3f", seconds))}")
    }
}
