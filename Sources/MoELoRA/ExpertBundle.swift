// A bundle folder: manifest.json, shared.safetensors, tasks/<task>.safetensors; written and loaded as one.

import Foundation
import ModelFormats

/// Reads and writes expert bundles. Loading checks the manifest, every file's checksum and every expert before
/// anything is used; writing puts the manifest last, so a reader sees the old bundle or the complete new one.
public enum ExpertBundle {
    /// Largest manifest, in bytes.
    static let maxManifestBytes = 16 << 20

    /// Writes `shared` and `tasks` into `folder` (created if needed) and returns the manifest written.
    @discardableResult
    public static func write(shared: SharedExpert, tasks: [TaskExpert], to folder: String) throws -> BundleManifest {
        var names = Set<String>()
        for task in tasks {
            if let problem = ExpertLimits.problem(taskName: task.name) {
                throw ExpertError.invalidMetadata(path: folder, key: "task", reason: problem)
            }
            guard names.insert(task.name).inserted else { throw ExpertError.duplicateTask(task: task.name) }
            guard task.metadata.baseModelSHA256 == shared.metadata.baseModelSHA256 else {
                throw ExpertError.baseMismatch(
                    path: "expert '\(task.name)'", expert: task.metadata.baseModelSHA256,
                    loaded: shared.metadata.baseModelSHA256)
            }
        }
        let root = URL(fileURLWithPath: folder)
        do {
            try FileManager.default.createDirectory(
                at: root.appendingPathComponent("tasks"),
                withIntermediateDirectories: true)
        } catch {
            throw ExpertError.writeFailed(
                path: folder, reason: "cannot create the folder: \(error.localizedDescription)")
        }
        let sharedBytes = try ExpertFile.serialized(shared)
        try ExpertFile.writeBytes(sharedBytes, to: root.appendingPathComponent("shared.safetensors").path)
        let sharedEntry = BundleManifest.Entry(
            task: nil, file: "shared.safetensors", sha256: FileDigest.sha256(sharedBytes),
            version: shared.version)
        var entries: [BundleManifest.Entry] = []
        for task in tasks.sorted(by: { $0.name < $1.name }) {
            let bytes = try ExpertFile.serialized(task)
            let file = "tasks/\(task.name).safetensors"
            try ExpertFile.writeBytes(bytes, to: root.appendingPathComponent(file).path)
            entries.append(.init(task: task.name, file: file, sha256: FileDigest.sha256(bytes), version: task.version))
        }
        let manifest = BundleManifest(
            baseModelSHA256: shared.metadata.baseModelSHA256, createdAt: ExpertMetadata.now(),
            shared: sharedEntry, tasks: entries)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let json = try encoder.encode(manifest) + Data("\n".utf8)
        try ExpertFile.writeBytes([UInt8](json), to: root.appendingPathComponent(BundleManifest.fileName).path)
        return manifest
    }

    /// Whether `path` is a bundle folder (it holds a manifest).
    public static func isBundle(_ path: String) -> Bool {
        FileManager.default.fileExists(
            atPath: URL(fileURLWithPath: path).appendingPathComponent(BundleManifest.fileName).path)
    }

    /// Reads and checks the manifest of `folder` (format, version, safe relative paths, unique tasks).
    public static func readManifest(folder: String) throws -> BundleManifest {
        let path = URL(fileURLWithPath: folder).appendingPathComponent(BundleManifest.fileName).path
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ExpertError.invalidManifest(path: path, reason: "no manifest.json (is this a bundle folder?)")
        }
        return try parseManifest(data, path: path)
    }

    /// Decodes and checks manifest bytes (format, version, safe relative paths, unique tasks); `path` names
    /// them in errors.
    public static func parseManifest(_ data: Data, path: String) throws -> BundleManifest {
        guard data.count <= maxManifestBytes else {
            throw ExpertError.invalidManifest(path: path, reason: "the manifest is over \(maxManifestBytes) bytes")
        }
        let manifest: BundleManifest
        do { manifest = try JSONDecoder().decode(BundleManifest.self, from: data) } catch {
            throw ExpertError.invalidManifest(path: path, reason: "not a valid manifest (\(Self.reason(error)))")
        }
        guard manifest.format == BundleManifest.formatName, manifest.formatVersion == BundleManifest.formatVersion
        else {
            throw ExpertError.invalidManifest(
                path: path,
                reason: "format '\(manifest.format)' version \(manifest.formatVersion) "
                    + "is not \(BundleManifest.formatName) version \(BundleManifest.formatVersion)")
        }
        var seen = Set<String>()
        for entry in [manifest.shared] + manifest.tasks {
            guard isSafe(entry.file) else {
                throw ExpertError.invalidManifest(
                    path: path,
                    reason: "file '\(entry.file)' is not a plain relative path "
                        + "inside the bundle")
            }
            if let task = entry.task, !seen.insert(task).inserted { throw ExpertError.duplicateTask(task: task) }
        }
        guard manifest.shared.task == nil, manifest.tasks.allSatisfy({ $0.task != nil }) else {
            throw ExpertError.invalidManifest(
                path: path, reason: "the shared entry has no task and every task entry has one")
        }
        return manifest
    }

    /// Loads every expert of `folder` for `base` into a snapshot; nothing is used unless everything checks out.
    public static func load(folder: String, base: BaseModel) throws -> ExpertSnapshot {
        let manifest = try readManifest(folder: folder)
        let manifestPath = URL(fileURLWithPath: folder).appendingPathComponent(BundleManifest.fileName).path
        guard manifest.baseModelSHA256.lowercased() == base.fingerprint else {
            throw ExpertError.baseMismatch(
                path: manifestPath, expert: manifest.baseModelSHA256, loaded: base.fingerprint)
        }
        let shared = try ExpertFile.readShared(path: try verified(manifest.shared, folder: folder), base: base)
        var tasks: [TaskExpert] = []
        for entry in manifest.tasks {
            let path = try verified(entry, folder: folder)
            let task = try ExpertFile.readTask(path: path, base: base)
            guard task.name == entry.task else {
                throw ExpertError.taskMismatch(path: path, expected: entry.task ?? "", found: task.name)
            }
            tasks.append(task)
        }
        return try ExpertSnapshot(base: base, shared: shared, tasks: tasks)
    }

    /// The full path of `entry`'s file after checking that it exists and matches its checksum.
    static func verified(_ entry: BundleManifest.Entry, folder: String) throws -> String {
        let path = URL(fileURLWithPath: folder).appendingPathComponent(entry.file).path
        let actual: String
        do { actual = try FileDigest.sha256(path: path) } catch let error as ModelFormatsError {
            throw ExpertError.file(error)
        }
        guard actual == entry.sha256.lowercased() else {
            throw ExpertError.checksumMismatch(path: path, expected: entry.sha256, actual: actual)
        }
        return path
    }

    /// A relative path of plain components, none of them empty, "." or "..".
    static func isSafe(_ file: String) -> Bool {
        guard !file.hasPrefix("/"), !file.isEmpty else { return false }
        return file.split(separator: "/", omittingEmptySubsequences: false).allSatisfy {
            !$0.isEmpty && $0 != "." && $0 != ".."
        }
    }

    private static func reason(_ error: Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): return "missing key '\(key.stringValue)'"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            return "wrong type at '\(context.codingPath.map(\.stringValue).joined(separator: "."))'"
        case DecodingError.dataCorrupted(let context): return context.debugDescription
        default: return "\(error)"
        }
    }
}
