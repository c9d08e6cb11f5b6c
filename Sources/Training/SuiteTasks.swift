// Reads a suite folder: tasks.json (order and labels) and each task's splits.

import Foundation

/// A suite is `tasks.json` (`{"tasks": [{"name", "labels"}, …]}`) and one folder per task.
public enum SuiteTasks {
    /// The tasks of `suite` in `order` (comma-separated names; nil: tasks.json's order), with tasks.json's labels.
    /// - Throws: `DataError` naming the file (and line) at fault.
    public static func load(suite: String, order: String?) throws -> [TaskData] {
        let root = URL(fileURLWithPath: suite)
        let index = root.appendingPathComponent("tasks.json").path
        guard let bytes = FileManager.default.contents(atPath: index) else { throw DataError.missingFile(path: index) }
        guard let json = try? JSONSerialization.jsonObject(with: bytes) as? [String: Any],
            let list = json["tasks"] as? [[String: Any]]
        else {
            throw DataError.invalidSuite(path: index, reason: "expected an object with a \"tasks\" list")
        }
        var labels: [String: [String]] = [:]
        var names: [String] = []
        for entry in list {
            guard let name = entry["name"] as? String, let l = entry["labels"] as? [String] else {
                throw DataError.invalidSuite(path: index, reason: "every task needs \"name\" and \"labels\"")
            }
            names.append(name)
            labels[name] = l
        }
        let chosen = order.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } } ?? names
        guard !chosen.isEmpty else { throw DataError.invalidSuite(path: index, reason: "the task order is empty") }
        return try chosen.map { name in
            guard let l = labels[name] else {
                throw DataError.invalidSuite(
                    path: index, reason: "no task '\(name)' (tasks: \(names.joined(separator: ", ")))")
            }
            return try TaskData.load(folder: root.appendingPathComponent(name).path, name: name, labels: l)
        }
    }
}
