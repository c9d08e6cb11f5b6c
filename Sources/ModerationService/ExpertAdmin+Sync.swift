// Catching up with expert changes made by other replicas: the registry's generation says cheaply whether anything
// changed; if so, the snapshot is brought to the registry's state (uploads, rollbacks, deletions) in one swap.

import Foundation
import Logging
import ModelFormats
import MoELoRA
import ServiceStore

extension ExpertAdmin {
    /// What one catch-up changed.
    struct CatchUp: Equatable {
        var loaded: [String] = []
        var removed: [String] = []
        var failed: [String] = []
        var isEmpty: Bool { loaded.isEmpty && removed.isEmpty && failed.isEmpty }
    }

    /// Brings the engine's snapshot to the registry's state when the registry's generation moved since the last
    /// call. Runs on `queue`, so it never interleaves with this replica's own admin calls. A task whose file
    /// cannot be loaded keeps what it serves and is reported in `failed`.
    func catchUp() throws -> CatchUp {
        if let evolution { try syncShadows(evolution) }
        let generation = try registry.generation()  // read first: a change after this is seen next time
        guard generation != seenGeneration.withLock({ $0 }) else { return CatchUp() }
        let deleted = Set(try registry.deletedTasks())
        var uploads = Dictionary(try registry.active().map { ($0.task, $0) }, uniquingKeysWith: { _, last in last })
        var snapshot = engine.snapshot
        var result = CatchUp()
        var records: [(String, String)] = []
        // The shared expert first: a shared-mode promotion registered it with its task's expert.
        let sharedEntry = uploads.removeValue(forKey: ExpertRegistry.sharedKey)
        do {
            let (next, sha) = try catchingUpShared(sharedEntry, in: snapshot)
            if let sha {
                snapshot = next
                records.append((ExpertRegistry.sharedKey, sha))
                result.loaded.append(ExpertRegistry.sharedKey)
            }
        } catch {
            log.error("cannot load the shared expert from the shared registry", metadata: ["error": "\(error)"])
            result.failed.append(ExpertRegistry.sharedKey)
        }
        for (task, entry) in uploads.sorted(by: { $0.key < $1.key })
        where provenance.entry(task)?.sha256 != entry.sha256 {
            do {
                snapshot = try snapshot.adding(
                    try Self.loadRegistered(entry, registry: registry, folder: folder, base: snapshot.base))
                records.append((task, entry.sha256))
                result.loaded.append(task)
            } catch {
                log.error(
                    "cannot load an expert from the shared registry",
                    metadata: ["task": "\(task)", "error": "\(error)"])
                result.failed.append(task)
            }
        }
        for (task, expert) in (bundle?.tasks ?? [:]).sorted(by: { $0.key < $1.key })
        where uploads[task] == nil && !deleted.contains(task) && provenance.entry(task)?.sha256 != bundleChecksums[task]
        {
            snapshot = try snapshot.adding(expert)  // rolled back to the bundle elsewhere
            if let sha = bundleChecksums[task] { records.append((task, sha)) }
            result.loaded.append(task)
        }
        for task in snapshot.taskNames
        where uploads[task] == nil && (deleted.contains(task) || bundle?.tasks[task] == nil) {
            snapshot = try snapshot.removing(task)
            result.removed.append(task)
        }
        if !result.loaded.isEmpty || !result.removed.isEmpty {
            engine.swap(snapshot)
            if result.loaded.contains(ExpertRegistry.sharedKey) { shadowRuns.withLock { $0 = [:] } }
            for (task, sha) in records { provenance.record(task: task, sha256: sha) }
            for task in result.removed { provenance.remove(task: task) }
        }
        for _ in result.loaded { metrics.expertLoad(result: .ok) }
        for _ in result.failed { metrics.expertLoad(result: .invalid) }
        seenGeneration.withLock { $0 = generation }
        metrics.registryGeneration(generation)
        return result
    }

    /// Runs `catchUp` every `seconds` on the admin queue, logging what it changed, then `also`.
    func startCatchingUp(every seconds: Double, also: @escaping @Sendable () -> Void = {}) -> DispatchSourceTimer {
        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.setEventHandler { [self] in
            defer { also() }
            do {
                let change = try catchUp()
                guard !change.loaded.isEmpty || !change.removed.isEmpty else { return }
                let loaded = change.loaded.map {
                    "\($0) v\($0 == ExpertRegistry.sharedKey ? engine.snapshot.shared.version : engine.snapshot.tasks[$0]?.version ?? 0)"
                }
                log.info(
                    "caught up with the shared expert registry",
                    metadata: [
                        "loaded": "\(loaded.joined(separator: ", "))",
                        "removed": "\(change.removed.joined(separator: ", "))",
                    ])
            } catch {
                log.warning("cannot read the expert registry (will retry)", metadata: ["error": "\(error)"])
            }
        }
        timer.schedule(deadline: .now() + seconds, repeating: seconds, leeway: .milliseconds(50))
        timer.resume()
        return timer
    }
}
