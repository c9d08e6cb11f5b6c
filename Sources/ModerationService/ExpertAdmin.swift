// Hot-loading task experts: upload (validate, store atomically, swap), rollback to the previous upload, delete.
// One serial queue runs these, so two admin calls never race on the snapshot.

import Foundation
import HTTPCore
import InferenceEngine
import Logging
import ModelFormats
import MoELoRA
import ServiceStore

/// Expert uploads, rollbacks and deletions on top of the engine's snapshot and the registry.
final class ExpertAdmin: Sendable {
    let engine: InferenceEngine
    let registry: ExpertRegistry
    /// Folder of uploaded files: `<folder>/<task>/<version>-<sha256 prefix>.safetensors`.
    let folder: String
    let metrics: ServiceMetrics
    /// The experts the server started from (before the registry's uploads): the target of rolling back a task's
    /// first upload.
    let bundle: ExpertSnapshot?
    let provenance: ExpertProvenance
    let queue = DispatchQueue(label: "moecl.expert-admin")
    /// The bundle's experts' file checksums, to tell whether a task serves its bundle expert.
    let bundleChecksums: [String: String]
    /// The bundle's shared expert's file checksum.
    let bundleSharedChecksum: String?
    /// The registry generation the snapshot last caught up with (-1: not yet).
    let seenGeneration = LockedBox<Int64>(-1)
    let log = Logger(label: "moecl.experts")
    /// Uploads kept per task (files and registry rows); older ones are removed after each new upload.
    let keepUploads: Int
    /// Where runs in their shadow phase are found (nil: no shadows), and the run each loaded shadow belongs to.
    let evolution: EvolutionStore?
    let shadowRuns = LockedBox<[String: Int64]>([:])
    /// Shared-mode candidates in their shadow phase, by task: they score live texts off the answer path.
    let sharedShadows = LockedBox<[String: SharedShadow]>([:])
    /// Texts waiting for a shared-mode shadow at most (`ServiceConfiguration.sharedShadowBacklog`).
    let sharedShadowBacklog: Int

    init(
        engine: InferenceEngine, registry: ExpertRegistry, folder: String, metrics: ServiceMetrics,
        bundle: ExpertSnapshot?, provenance: ExpertProvenance, keepUploads: Int = 10, evolution: EvolutionStore? = nil,
        sharedShadowBacklog: Int = 512
    ) {
        self.keepUploads = keepUploads
        self.sharedShadowBacklog = sharedShadowBacklog
        self.evolution = evolution
        self.engine = engine
        self.registry = registry
        self.folder = folder
        self.metrics = metrics
        self.bundle = bundle
        self.provenance = provenance
        bundleChecksums = (bundle?.tasks ?? [:]).compactMapValues(ExpertProvenance.checksum)
        bundleSharedChecksum = bundle.flatMap { ExpertProvenance.checksum($0.shared) }
    }

    /// Validates `bytes` in memory as task `task`'s expert for the loaded base, then installs it.
    func upload(task: String, bytes: [UInt8]) throws -> UploadBody {
        let expert: TaskExpert
        do {
            expert = try ExpertFile.readTask(bytes: bytes, name: "the uploaded file", base: engine.snapshot.base)
        } catch {
            metrics.expertLoad(result: .invalid)
            throw ServiceError.validation("the expert file is not usable: \(error)")
        }
        guard expert.name == task else {
            metrics.expertLoad(result: .invalid)
            throw ServiceError.validation(
                "the file holds the expert of task '\(expert.name)', not '\(task)'; "
                    + "PUT it to /v1/experts/\(expert.name)"
            )
        }
        return try install(expert, bytes: bytes)
    }

    /// Writes `bytes` (the file of `expert`, already validated) once, atomically, registers it and swaps it in.
    /// Registered before the swap: a failed write leaves the old expert serving and the registry unchanged.
    func install(_ expert: TaskExpert, bytes: [UInt8]) throws -> UploadBody {
        let task = expert.name, sha = FileDigest.sha256(bytes)
        let previous = engine.snapshot.tasks[task]?.version
        let next = try engine.snapshot.adding(expert)
        try Self.store(expert, bytes: bytes, folder: folder, registry: registry)
        engine.swap(next)
        provenance.record(task: task, sha256: sha)
        metrics.expertLoad(result: .ok)
        removeOldUploads(task: task)
        return UploadBody(task: task, version: expert.version, sha256: sha, previousVersion: previous, status: .loaded)
    }

    /// Writes `bytes` (the file of `expert`) once, atomically, under `folder` and registers it as the task's active
    /// expert; returns the file's SHA-256. Nothing is swapped: replicas (this one included) load it on catching up.
    @discardableResult
    static func store(_ expert: TaskExpert, bytes: [UInt8], folder: String, registry: ExpertRegistry) throws -> String {
        let entry = try writeLocal(key: expert.name, version: expert.version, bytes: bytes, folder: folder)
        try registry.registerTogether([entry], now: Clock.now())
        return entry.sha256
    }

    /// Writes `bytes` (a file of registry key `key`: a task, or the shared expert) once, atomically, under
    /// `folder` (replacing a same-named earlier write) and returns its registration.
    static func writeLocal(key: String, version: Int, bytes: [UInt8], folder: String) throws
        -> ExpertRegistry.Registration
    {
        let sha = FileDigest.sha256(bytes)
        let path = localPath(folder: folder, task: key, version: version, sha256: sha)
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try AtomicFileWriter.writeAtomically(bytes, to: path)
        return .init(task: key, version: version, sha256: sha, path: path, content: bytes)
    }

    /// Keeps the newest `keepUploads` uploads of `task`: older registry rows go, and so do their files once no
    /// kept row names them. A failure here is logged; the upload itself has succeeded.
    func removeOldUploads(task: String) {
        do {
            let forgotten = try registry.prune(task: task, keep: keepUploads)
            guard !forgotten.isEmpty else { return }
            let kept = try registry.history(task: task).flatMap {
                [$0.path, Self.localPath(folder: folder, task: task, version: $0.version, sha256: $0.sha256)]
            }
            for entry in forgotten {
                let local = Self.localPath(folder: folder, task: task, version: entry.version, sha256: entry.sha256)
                for path in Set([entry.path, local]) where !kept.contains(path) && path.hasPrefix(folder) {
                    try? FileManager.default.removeItem(atPath: path)
                }
            }
        } catch {
            log.warning("could not remove old uploads", metadata: ["task": "\(task)", "error": "\(error)"])
        }
    }

    /// Removes what interrupted writes left under `folder` (temporary files of `AtomicFileWriter` and staging
    /// files of earlier versions); returns how many.
    static func removeTemporaries(folder: String) -> Int {
        guard let walker = FileManager.default.enumerator(atPath: folder) else { return 0 }
        var removed = 0
        for case let relative as String in walker {
            let name = (relative as NSString).lastPathComponent
            guard name.hasSuffix(".tmp"), name.hasPrefix(".") || name.hasPrefix("upload-") else { continue }
            if (try? FileManager.default.removeItem(atPath: (folder as NSString).appendingPathComponent(relative)))
                != nil
            {
                removed += 1
            }
        }
        return removed
    }

    /// Loads the upload before the active one of `task` again, or the bundle's expert when the first upload is
    /// the active one.
    func rollback(task: String) throws -> UploadBody {
        let history = try registry.history(task: task)
        guard let current = history.lastIndex(where: \.active) else {
            throw ServiceError.conflict("task '\(task)' runs no uploaded expert: there is nothing to roll back")
        }
        guard current > 0 else { return try rollbackToBundle(task: task) }
        let target = history[current - 1]
        let expert: TaskExpert
        do {
            expert = try Self.loadRegistered(target, registry: registry, folder: folder, base: engine.snapshot.base)
        } catch {
            metrics.expertLoad(result: .invalid)
            throw ServiceError.unavailable("version \(target.version) of '\(task)' can no longer be loaded: \(error)")
        }
        let previous = engine.snapshot.tasks[task]?.version
        let next = try engine.snapshot.adding(expert)
        try registry.activate(id: target.id)
        engine.swap(next)
        provenance.record(task: task, sha256: target.sha256)
        metrics.expertLoad(result: .ok)
        return UploadBody(
            task: task, version: target.version, sha256: target.sha256, previousVersion: previous, status: .rolledBack)
    }

    /// The bundle's expert of `task` in place of its first upload.
    private func rollbackToBundle(task: String) throws -> UploadBody {
        guard let expert = bundle?.tasks[task] else {
            throw ServiceError.conflict(
                "task '\(task)' has no earlier version to roll back to "
                    + "(neither an earlier upload nor the bundle's expert)"
            )
        }
        let previous = engine.snapshot.tasks[task]?.version
        let next = try engine.snapshot.adding(expert)
        try registry.deactivate(task: task)
        engine.swap(next)
        let sha = ExpertProvenance.checksum(expert)
        if let sha { provenance.record(task: task, sha256: sha) }
        metrics.expertLoad(result: .ok)
        return UploadBody(
            task: task, version: expert.version, sha256: sha, previousVersion: previous, status: .rolledBack)
    }

    /// Unloads `task`.
    func delete(task: String) throws -> UploadBody {
        let snapshot = engine.snapshot
        guard let expert = snapshot.tasks[task] else { throw ServiceError.unknownTask(task, known: snapshot.taskNames) }
        let next = try snapshot.removing(task)
        try registry.delete(task: task, now: Date().timeIntervalSince1970)
        engine.swap(next)
        provenance.remove(task: task)
        return UploadBody(
            task: task, version: expert.version, sha256: nil, previousVersion: expert.version, status: .deleted)
    }

    /// A task name usable as a folder name.
    static func safeName(_ task: String) -> String {
        String(task.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" })
    }

    /// Where this process keeps its copy of an uploaded file.
    static func localPath(folder: String, task: String, version: Int, sha256: String) -> String {
        ((folder as NSString).appendingPathComponent(safeName(task)) as NSString)
            .appendingPathComponent("\(version)-\(sha256.prefix(12)).safetensors")
    }

    /// The expert of registry entry `entry` (`verifiedPath`).
    static func loadRegistered(_ entry: RegisteredExpert, registry: ExpertRegistry, folder: String, base: BaseModel)
        throws -> TaskExpert
    {
        try ExpertFile.readTask(path: try verifiedPath(entry, registry: registry, folder: folder), base: base)
    }

    /// A file holding registry entry `entry`'s recorded bytes: its recorded path or this process's copy when either
    /// does, else the database's copy (another replica's upload), first written to this process's folder.
    static func verifiedPath(_ entry: RegisteredExpert, registry: ExpertRegistry, folder: String) throws -> String {
        let local = localPath(folder: folder, task: entry.task, version: entry.version, sha256: entry.sha256)
        for candidate in [entry.path, local] {
            if let data = FileManager.default.contents(atPath: candidate),
                FileDigest.sha256([UInt8](data)) == entry.sha256
            {
                return candidate
            }
        }
        let bytes = try registry.bytes(of: entry)
        guard FileDigest.sha256(bytes) == entry.sha256 else {
            throw RegistryFileError(
                entry: entry, reason: "its stored bytes do not match the recorded SHA-256 \(entry.sha256)")
        }
        try FileManager.default.createDirectory(
            atPath: (local as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try AtomicFileWriter.writeAtomically(bytes, to: local)
        return local
    }

    /// The registry's deletions and active uploads applied over `snapshot` (at start-up, so hot-loads and deletions
    /// survive a restart, and a new replica starts with what the others serve). An upload whose file cannot be
    /// loaded is skipped with a message on stderr.
    static func applyingRegistry(
        _ registry: ExpertRegistry, to snapshot: ExpertSnapshot, folder: String,
        log: Logger
    ) throws -> ExpertSnapshot {
        var result = snapshot
        for task in try registry.deletedTasks() where result.tasks[task] != nil {
            result = try result.removing(task)
        }
        for entry in try registry.active() {
            guard entry.task != ExpertRegistry.sharedKey else {
                result = try applyingShared(entry, registry: registry, to: result, folder: folder, log: log)
                continue
            }
            do {
                result = try result.adding(
                    try loadRegistered(entry, registry: registry, folder: folder, base: snapshot.base))
            } catch {
                // One bad file must not keep every replica from starting: serve what the bundle has for the task.
                let fallback = result.tasks[entry.task].map { "the bundle's version \($0.version)" } ?? "nothing"
                log.error(
                    "cannot load an expert from the registry; serving \(fallback) for its task until a good upload",
                    metadata: ["task": "\(entry.task)", "version": "\(entry.version)", "error": "\(error)"])
            }
        }
        return result
    }
}

extension ModerationService {
    /// Removes the temporary files interrupted uploads left in `uploadFolder` (at start-up); returns how many.
    public static func removeUploadTemporaries(uploadFolder: String) -> Int {
        ExpertAdmin.removeTemporaries(folder: uploadFolder)
    }

    /// The registry's deletions and active uploads applied over `snapshot` (at start-up, so hot-loads and deletions
    /// survive a restart); copies of other replicas' uploads go to `uploadFolder`.
    public static func applyingRegistry(_ registry: ExpertRegistry, to snapshot: ExpertSnapshot, uploadFolder: String)
        throws -> ExpertSnapshot
    {
        try ExpertAdmin.applyingRegistry(
            registry, to: snapshot, folder: uploadFolder, log: Logger(label: "moecl.experts"))
    }
}

/// The body of an expert admin response.
struct UploadBody: Encodable {
    let task: String
    let version: Int
    let sha256: String?
    let previousVersion: Int?
    let status: Status

    /// What the call did.
    enum Status: String, Encodable {
        case loaded
        case rolledBack = "rolled_back"
        case deleted
    }

    enum CodingKeys: String, CodingKey {
        case task, version, sha256, status, previousVersion = "previous_version"
    }
}
