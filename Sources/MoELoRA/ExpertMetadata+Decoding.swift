// Reading and checking an expert file's metadata; every failure names the file, the key and what to do.

import Foundation
import Moderation

extension ExpertMetadata {
    /// Parses and checks the metadata of the file at `path`.
    /// - Throws: `ExpertError` naming the first bad entry.
    public static func decode(_ m: [String: String], path: String) throws -> ExpertMetadata {
        guard let format = m["format"] else { throw ExpertError.notAnExpertFile(path: path, format: nil) }
        guard let kind = ExpertKind(rawValue: format) else {
            throw ExpertError.notAnExpertFile(path: path, format: format)
        }
        let version = try integer(m, "format_version", path: path)
        guard version == formatVersion else {
            throw ExpertError.unsupportedFormatVersion(path: path, version: version, supported: formatVersion)
        }
        func bad(_ key: String, _ reason: String) -> ExpertError {
            .invalidMetadata(path: path, key: key, reason: reason)
        }
        let rank = try integer(m, "rank", path: path)
        guard (1...ExpertLimits.maxRank).contains(rank) else {
            throw ExpertError.rankOutOfBounds(path: path, rank: rank, max: ExpertLimits.maxRank)
        }
        guard let alphaText = m["alpha"], let alpha = Float(alphaText), alpha.isFinite, alpha > 0 else {
            throw bad("alpha", "needs a positive finite number, found \(m["alpha"].map { "'\($0)'" } ?? "nothing")")
        }
        let expertVersion = try integer(m, "version", path: path)
        guard expertVersion >= 1 else { throw bad("version", "needs an integer ≥ 1, found \(expertVersion)") }
        guard let base = m["base_model_sha256"], base.utf8.count == 64,
            base.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0 | 0x20) })
        else {
            throw bad("base_model_sha256", "needs the 64-hex-digit SHA-256 of the base model's weights file")
        }
        if let family = m["base_family"], !["bert", "llama"].contains(family) {
            throw bad("base_family", "needs 'bert' or 'llama', found '\(family)'")
        }
        let training = m["training"] ?? "{}"
        guard (try? JSONSerialization.jsonObject(with: Data(training.utf8))) is [String: Any] else {
            throw bad("training", "needs a JSON object")
        }
        var meta = ExpertMetadata(
            kind: kind, rank: rank, alpha: alpha, version: expertVersion,
            baseModelSHA256: base.lowercased(), baseFamily: m["base_family"], createdAt: m["created_at"] ?? "",
            training: training)
        if kind == .task {
            guard let task = m["task"] else { throw bad("task", "is missing: a task expert names its task") }
            if let problem = ExpertLimits.problem(taskName: task) { throw bad("task", problem) }
            meta.task = task
            meta.labels = try labels(m["labels"], path: path)
            if let compliant = m["compliant_label"] {
                guard meta.labels.contains(compliant) else {
                    throw bad("compliant_label", "'\(compliant)' is not one of the labels \(meta.labels)")
                }
                meta.compliantLabel = compliant
            }
            if let text = m["prompt_template"] {
                guard let template = PromptTemplate(text), text.utf8.count <= 1024 else {
                    throw bad("prompt_template", "needs at most 1 KiB of text with exactly one {text} slot")
                }
                meta.promptTemplate = template
            }
        }
        if let text = m["calibration"] {
            guard let calibration = try? JSONDecoder().decode(Calibration.self, from: Data(text.utf8)) else {
                throw bad("calibration", "needs a JSON object with target_precision and thresholds")
            }
            if let problem = calibration.problem(labels: meta.labels) { throw bad("calibration", problem) }
            meta.calibration = calibration
        }
        if let text = m["scene"] {
            guard kind == .task, let scene = try? JSONDecoder().decode(SceneGuard.self, from: Data(text.utf8)) else {
                throw bad("scene", "needs a JSON object with threshold and enabled (task experts only)")
            }
            if let problem = scene.problem { throw bad("scene", problem) }
            meta.scene = scene
        }
        return meta
    }

    private static func integer(_ m: [String: String], _ key: String, path: String) throws -> Int {
        guard let text = m[key], let value = Int(text) else {
            throw ExpertError.invalidMetadata(
                path: path, key: key, reason: "needs an integer, found \(m[key].map { "'\($0)'" } ?? "nothing")")
        }
        return value
    }

    private static func labels(_ text: String?, path: String) throws -> [String] {
        guard let text, let list = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [Any] else {
            throw ExpertError.invalidLabels(path: path, reason: "the 'labels' entry must be a JSON array of strings")
        }
        let labels = list.compactMap { $0 as? String }
        guard labels.count == list.count else {
            throw ExpertError.invalidLabels(path: path, reason: "every label must be a string")
        }
        if let problem = ExpertLimits.problem(labels: labels) {
            throw ExpertError.invalidLabels(path: path, reason: problem)
        }
        return labels
    }
}
