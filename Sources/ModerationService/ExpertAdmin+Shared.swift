// The shared expert and gates in the registry: uploaded by an operator (PUT /v1/shared), or promoted by a
// shared-mode evolution together with its task's expert (one registry change); every replica loads it on catching
// up, and it rolls back on its own.

import Foundation
import Logging
import ModelFormats
import MoELoRA
import ServiceStore

extension ExpertAdmin {
    /// The shared expert of registry entry `entry` (`verifiedPath`).
    static func loadRegisteredShared(
        _ entry: RegisteredExpert, registry: ExpertRegistry, folder: String, base: BaseModel
    ) throws -> SharedExpert {
        try ExpertFile.readShared(path: try verifiedPath(entry, registry: registry, folder: folder), base: base)
    }

    /// `snapshot` with the registered shared expert `entry`; unchanged (with a log line) when it cannot be loaded.
    static func applyingShared(
        _ entry: RegisteredExpert, registry: ExpertRegistry, to snapshot: ExpertSnapshot, folder: String, log: Logger
    ) throws -> ExpertSnapshot {
        do {
            return try snapshot.replacingShared(
                try loadRegisteredShared(entry, registry: registry, folder: folder, base: snapshot.base))
        } catch {
            log.error(
                "cannot load the shared expert from the registry; serving version \(snapshot.shared.version)",
                metadata: ["version": "\(entry.version)", "error": "\(error)"])
            return snapshot
        }
    }

    /// Writes both files and registers them as one change: the task's expert and the shared expert it was trained
    /// with. Nothing is swapped: replicas (this one included) load them on catching up.
    static func storeTogether(
        _ expert: TaskExpert, bytes: [UInt8], shared: SharedExpert, sharedBytes: [UInt8], folder: String,
        registry: ExpertRegistry
    ) throws {
        try registry.registerTogether(
            [
                try writeLocal(key: expert.name, version: expert.version, bytes: bytes, folder: folder),
                try writeLocal(
                    key: ExpertRegistry.sharedKey, version: shared.version, bytes: sharedBytes, folder: folder),
            ], now: Clock.now())
    }

    /// The shared expert `active` names (its registry entry, nil: the bundle's) in `snapshot`, when it is not the one
    /// served yet; `snapshot` unchanged otherwise. Part of `catchUp`.
    func catchingUpShared(_ active: RegisteredExpert?, in snapshot: ExpertSnapshot) throws -> (ExpertSnapshot, String?)
    {
        let served = provenance.entry(ExpertRegistry.sharedKey)?.sha256
        if let active {
            guard served != active.sha256 else { return (snapshot, nil) }
            let shared = try Self.loadRegisteredShared(active, registry: registry, folder: folder, base: snapshot.base)
            return (try snapshot.replacingShared(shared), active.sha256)
        }
        guard let bundle, let original = bundleSharedChecksum, served != original else { return (snapshot, nil) }
        return (try snapshot.replacingShared(bundle.shared), original)
    }

    /// PUT /v1/shared: validates `bytes` in memory as a shared expert (and gates) for the loaded base, writes it
    /// once, registers it and swaps it in. Every task's scores change with it; their thresholds stay as they are.
    func uploadShared(bytes: [UInt8]) throws -> SharedChangeBody {
        let shared: SharedExpert
        do {
            shared = try ExpertFile.readShared(bytes: bytes, name: "the uploaded file", base: engine.snapshot.base)
        } catch {
            metrics.expertLoad(result: .invalid)
            throw ServiceError.validation("the shared expert file is not usable: \(error)")
        }
        let previous = engine.snapshot.shared.version
        let next = try engine.snapshot.replacingShared(shared)
        let entry = try Self.writeLocal(
            key: ExpertRegistry.sharedKey, version: shared.version, bytes: bytes, folder: folder)
        try registry.registerTogether([entry], now: Clock.now())
        let sha = entry.sha256
        engine.swap(next)
        provenance.record(task: ExpertRegistry.sharedKey, sha256: sha)
        shadowRuns.withLock { $0 = [:] }  // replacingShared dropped them; the next catch-up loads them again
        metrics.expertLoad(result: .ok)
        return SharedChangeBody(version: shared.version, previousVersion: previous, sha256: sha, status: "loaded")
    }

    /// POST /v1/shared/rollback: the registered shared expert before the active one, or the bundle's when the first
    /// is active. Every task's scores change with it; their thresholds stay as they are.
    func rollbackShared() throws -> SharedChangeBody {
        let history = try registry.history(task: ExpertRegistry.sharedKey)
        guard let current = history.lastIndex(where: \.active) else {
            throw ServiceError.conflict("the shared expert is the bundle's: there is nothing to roll back")
        }
        let previous = engine.snapshot.shared.version
        let snapshot: ExpertSnapshot
        let sha: String?
        if current > 0 {
            let target = history[current - 1]
            let shared: SharedExpert
            do {
                shared = try Self.loadRegisteredShared(
                    target, registry: registry, folder: folder, base: engine.snapshot.base)
            } catch {
                throw ServiceError.unavailable(
                    "version \(target.version) of the shared expert can no longer be loaded: \(error)")
            }
            snapshot = try engine.snapshot.replacingShared(shared)
            try registry.activate(id: target.id)
            sha = target.sha256
        } else {
            guard let bundle else { throw ServiceError.conflict("there is no earlier shared expert to roll back to") }
            snapshot = try engine.snapshot.replacingShared(bundle.shared)
            try registry.deactivate(task: ExpertRegistry.sharedKey)
            sha = bundleSharedChecksum
        }
        engine.swap(snapshot)
        if let sha { provenance.record(task: ExpertRegistry.sharedKey, sha256: sha) }
        shadowRuns.withLock { $0 = [:] }  // replacingShared dropped them; the next catch-up loads them again
        return SharedChangeBody(
            version: snapshot.shared.version, previousVersion: previous, sha256: sha, status: "rolled_back")
    }
}

/// The body of PUT /v1/shared and POST /v1/shared/rollback.
struct SharedChangeBody: Encodable {
    let version: Int
    let previousVersion: Int
    let sha256: String?
    /// loaded or rolled_back.
    let status: String

    enum CodingKeys: String, CodingKey {
        case version, sha256, status
        case previousVersion = "previous_version"
    }
}
