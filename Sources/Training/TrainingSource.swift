// Where an expert's training texts came from, recorded in its `training` metadata (under "data"), so that a later
// evolution run can train on them again beside the reviewers' verdicts.

import Foundation
import ModelFormats

/// A task's training file as `moecl train` read it.
public struct TrainingSource: Codable, Sendable, Equatable {
    /// The file's path relative to a data root: `<suite>/<task>/train.jsonl` for a suite, `<folder>/train.jsonl`
    /// for `--data folder` (the folder's last component).
    public let relative: String
    /// The absolute path it was read from.
    public let path: String
    public let sha256: String
    public let examples: Int

    public init(relative: String, path: String, sha256: String, examples: Int) {
        self.relative = relative
        self.path = path
        self.sha256 = sha256
        self.examples = examples
    }

    /// The source of the train split in `folder` (a task folder of a suite, or a `--data` folder).
    public static func of(folder: String, named relativeFolder: String, examples: Int) throws -> TrainingSource {
        let path = URL(fileURLWithPath: folder).appendingPathComponent("train.jsonl").standardizedFileURL.path
        return TrainingSource(
            relative: relativeFolder + "/train.jsonl", path: path, sha256: try FileDigest.sha256(path: path),
            examples: examples)
    }

    /// `training` (a JSON object, e.g. the trainer's options) with `source` under "data".
    public static func record(_ training: String, adding source: TrainingSource?) -> String {
        guard let source,
            var object = (try? JSONSerialization.jsonObject(with: Data(training.utf8))) as? [String: Any],
            let encoded = try? JSONSerialization.jsonObject(with: JSONEncoder().encode(source))
        else { return training }
        object["data"] = encoded
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: .sortedKeys) else {
            return training
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// The source a `training` record names under "data", or nil.
    public static func named(in training: String) -> TrainingSource? {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(training.utf8))) as? [String: Any],
            let data = object["data"], JSONSerialization.isValidJSONObject(data),
            let bytes = try? JSONSerialization.data(withJSONObject: data)
        else { return nil }
        return try? JSONDecoder().decode(TrainingSource.self, from: bytes)
    }

    /// What finding the file gave.
    public enum Lookup: Equatable {
        case found(path: String)
        /// Not at any place looked (the paths tried).
        case missing([String])
        /// Present but not the file the expert was trained on (its checksum differs).
        case changed(path: String)
    }

    /// Finds the file: under `root` by its relative path when a root is given, else at its recorded path; it
    /// counts only with the recorded checksum.
    public func locate(root: String?) -> Lookup {
        let candidates = (root.map { [URL(fileURLWithPath: $0).appendingPathComponent(relative).path] } ?? []) + [path]
        for candidate in candidates where FileManager.default.fileExists(atPath: candidate) {
            guard (try? FileDigest.sha256(path: candidate)) == sha256 else { return .changed(path: candidate) }
            return .found(path: candidate)
        }
        return .missing(candidates)
    }
}
