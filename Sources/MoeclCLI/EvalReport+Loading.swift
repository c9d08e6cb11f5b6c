// Finding run folders and reading their stage records (checked for consistency), run.json and wall.json.

import Foundation
import Training

extension EvalReport {
    /// One run folder's contents: stage records 0, 1, … up to the first missing file.
    struct LoadedRun: Sendable {
        let folder: String
        let records: [StageRecord]
        /// Tasks in run.json's `order`, when the file is there.
        let plannedStages: Int?
        /// wall.json's `wall_seconds`, when the file is there.
        let wallSeconds: Double?

        var method: String { records[0].method }
        var tasks: [String] { records.map(\.task) }
    }

    /// The run folders at `path`: `path` itself when it holds `stage-0.json`, else its subfolders that do (sorted).
    /// - Throws: `EvalReportError` when `path` is missing, a file, unreadable, or holds no run.
    static func runFolders(in path: String) throws -> [String] {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            throw EvalReportError.missingFolder(path: path)
        }
        guard isFolder.boolValue else { throw EvalReportError.notAFolder(path: path) }
        let root = URL(fileURLWithPath: path).standardizedFileURL
        func holdsStages(_ folder: URL) -> Bool {
            FileManager.default.fileExists(atPath: folder.appendingPathComponent("stage-0.json").path)
        }
        if holdsStages(root) { return [root.path] }
        let children: [URL]
        do {
            children = try FileManager.default.contentsOfDirectory(at: root, includingPropertiesForKeys: nil)
        } catch {
            throw EvalReportError.unreadableStage(path: path, reason: error.localizedDescription)
        }
        let runs = children.filter(holdsStages).map(\.standardizedFileURL.path).sorted()
        guard !runs.isEmpty else { throw EvalReportError.noStages(path: path) }
        return runs
    }

    /// Reads `folder`'s stage records in order until a `stage-<i>.json` is missing, and its run.json and wall.json.
    /// - Throws: `EvalReportError` naming the stage file that cannot be read, decoded or is inconsistent.
    static func loadRun(_ folder: String) throws -> LoadedRun {
        let root = URL(fileURLWithPath: folder)
        var records: [StageRecord] = []
        while true {
            let file = root.appendingPathComponent("stage-\(records.count).json")
            guard FileManager.default.fileExists(atPath: file.path) else { break }
            let data: Data
            do { data = try Data(contentsOf: file) } catch {
                throw EvalReportError.unreadableStage(path: file.path, reason: error.localizedDescription)
            }
            let record: StageRecord
            do { record = try JSONDecoder().decode(StageRecord.self, from: data) } catch {
                throw EvalReportError.invalidStage(path: file.path, reason: reason(error))
            }
            if let problem = problem(record, stage: records.count, earlier: records) {
                throw EvalReportError.invalidStage(path: file.path, reason: problem)
            }
            records.append(record)
        }
        guard !records.isEmpty else { throw EvalReportError.noStages(path: folder) }

        struct RunFile: Decodable { let order: [String] }
        struct WallFile: Decodable {
            let seconds: Double
            enum CodingKeys: String, CodingKey { case seconds = "wall_seconds" }
        }
        let order = try? JSONDecoder().decode(
            RunFile.self, from: Data(contentsOf: root.appendingPathComponent("run.json")))
        let wall = try? JSONDecoder().decode(
            WallFile.self, from: Data(contentsOf: root.appendingPathComponent("wall.json")))
        return LoadedRun(
            folder: folder, records: records, plannedStages: order?.order.count, wallSeconds: wall?.seconds)
    }

    /// What makes `record` unusable as stage `stage` after `earlier`, or nil when it is fine.
    static func problem(_ record: StageRecord, stage: Int, earlier: [StageRecord]) -> String? {
        if record.stage != stage { return "it says stage \(record.stage), but its file name says \(stage)" }
        if let first = earlier.first, record.method != first.method {
            return "its method '\(record.method)' differs from stage-0.json's '\(first.method)'"
        }
        guard record.evaluations.count == stage + 1 else {
            return "it holds \(record.evaluations.count) task evaluations; stage \(stage) must hold \(stage + 1) "
                + "(tasks 0…\(stage))"
        }
        let tasks = earlier.map(\.task) + [record.task]
        for (j, evaluation) in record.evaluations.enumerated() {
            let name = evaluation.task
            if name != tasks[j] { return "evaluation \(j) is of task '\(name)', but stage \(j) trained '\(tasks[j])'" }
            if evaluation.labels.isEmpty { return "task '\(name)' has no labels" }
            if let compliant = evaluation.compliantLabel, !evaluation.labels.contains(compliant) {
                return "task '\(name)': compliant label '\(compliant)' is not one of \(evaluation.labels)"
            }
            for (split, scores) in [("dev", evaluation.dev), ("test", evaluation.test)] {
                if scores.scores.count != scores.labels.count {
                    return
                        "task '\(name)' \(split): \(scores.labels.count) labels but \(scores.scores.count) score rows"
                }
                if let row = scores.scores.firstIndex(where: { $0.count != evaluation.labels.count }) {
                    return "task '\(name)' \(split): row \(row) has \(scores.scores[row].count) scores for "
                        + "\(evaluation.labels.count) labels"
                }
                if let bad = scores.labels.first(where: { !evaluation.labels.indices.contains($0) }) {
                    return "task '\(name)' \(split): label index \(bad) is outside 0..<\(evaluation.labels.count)"
                }
            }
        }
        return nil
    }

    /// A short account of a decoding error: what is wrong and where in the file.
    static func reason(_ error: Error) -> String {
        func at(_ context: DecodingError.Context) -> String {
            let path = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return path.isEmpty ? "" : " at \(path)"
        }
        switch error {
        case DecodingError.keyNotFound(let key, let context):
            return "missing key '\(key.stringValue)'\(at(context))"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            return "\(context.debugDescription)\(at(context))"
        case DecodingError.dataCorrupted(let context):
            let detail = context.underlyingError?.localizedDescription ?? context.debugDescription
            return "not valid JSON (\(detail))\(at(context))"
        default:
            return "\(error)"
        }
    }
}
