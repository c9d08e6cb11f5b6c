// Shadow candidates: the evolution runs in their shadow phase, loaded beside their task's expert so the
// candidate scores live traffic in the same batches without deciding anything.

import Foundation
import MoELoRA
import ServiceStore

extension ExpertAdmin {
    /// Brings the snapshot's shadows to the runs in their shadow phase (any replica's): loads new candidates,
    /// drops those whose run ended. Runs on `queue` (inside `catchUp`). A candidate that cannot be loaded is
    /// logged and left out; it never affects what the task serves.
    func syncShadows(_ evolution: EvolutionStore) throws {
        let runs = Dictionary(
            try evolution.shadows().map { ($0.task, $0) }, uniquingKeysWith: { first, _ in first })
        var snapshot = engine.snapshot
        var loaded = shadowRuns.withLock { $0 }
        var changed = false
        for (task, runId) in loaded where runs[task]?.id != runId || snapshot.tasks[task] == nil {
            if snapshot.tasks[task] != nil { snapshot = try snapshot.shadowing(task, with: nil) }
            loaded[task] = nil
            changed = true
        }
        for (task, run) in runs.sorted(by: { $0.key < $1.key })
        where loaded[task] == nil && snapshot.tasks[task] != nil {
            do {
                // A shared-mode candidate needs its own shared expert, which would change every task's scores in
                // the batch: it scores off the answer path (`syncSharedShadows`).
                guard try evolution.candidateShared(id: run.id) == nil else { continue }
                guard let bytes = try evolution.candidate(id: run.id) else { continue }
                let candidate = try ExpertFile.readTask(
                    bytes: bytes, name: "the candidate of run \(run.id)", base: snapshot.base)
                snapshot = try snapshot.shadowing(task, with: candidate)
                loaded[task] = run.id
                changed = true
                log.info(
                    "a candidate shadows its task's expert",
                    metadata: ["task": "\(task)", "run": "\(run.id)", "version": "\(candidate.version)"])
            } catch {
                log.error(
                    "cannot load a shadow candidate",
                    metadata: ["task": "\(task)", "run": "\(run.id)", "error": "\(error)"])
            }
        }
        try syncSharedShadows(runs.filter { loaded[$0.key] != $0.value.id }, evolution, serving: snapshot)
        guard changed else { return }
        engine.swap(snapshot)
        shadowRuns.withLock { $0 = loaded }
    }

    /// Brings `sharedShadows` to the shared-mode runs among `runs` (the shadow runs not loaded in the batch):
    /// each gets a snapshot of its own (the base, its shared expert and its task expert); those whose run ended,
    /// or whose task is no longer served, go.
    func syncSharedShadows(_ runs: [String: EvolutionRun], _ evolution: EvolutionStore, serving: ExpertSnapshot)
        throws
    {
        var shadows = sharedShadows.withLock { $0 }
        for (task, shadow) in shadows where runs[task]?.id != shadow.run || serving.tasks[task] == nil {
            shadows[task] = nil
        }
        for (task, run) in runs.sorted(by: { $0.key < $1.key })
        where shadows[task] == nil && serving.tasks[task] != nil {
            do {
                guard let sharedBytes = try evolution.candidateShared(id: run.id),
                    let bytes = try evolution.candidate(id: run.id)
                else { continue }
                let name = "the candidate of run \(run.id)"
                let shared = try ExpertFile.readShared(bytes: sharedBytes, name: name, base: serving.base)
                let candidate = try ExpertFile.readTask(bytes: bytes, name: name, base: serving.base)
                let own = try ExpertSnapshot(base: serving.base, shared: shared, tasks: [candidate])
                shadows[task] = SharedShadow(
                    run: run.id, task: task, snapshot: own, maxPending: sharedShadowBacklog)
                log.info(
                    "a shared-mode candidate shadows its task's expert off the answer path",
                    metadata: ["task": "\(task)", "run": "\(run.id)", "version": "\(candidate.version)"])
            } catch {
                log.error(
                    "cannot load a shared-mode shadow candidate",
                    metadata: ["task": "\(task)", "run": "\(run.id)", "error": "\(error)"])
            }
        }
        sharedShadows.withLock { $0 = shadows }
    }
}
