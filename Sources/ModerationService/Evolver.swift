// Starts evolution runs (on demand, or every N verdicts by a task's policy) and hands them to a launcher: a
// process of its own in the server (`moecl evolve --run-id`), a thread in tests.

import Dispatch
import Evolution
import Foundation
import Logging
import MoELoRA
import ServiceStore

/// Runs a started evolution run to its end, somewhere other than the inference worker.
public typealias EvolutionLauncher = @Sendable (EvolutionRun) -> Void

/// The service's side of self-evolution: policies, triggers, starting runs.
final class Evolver: Sendable {
    let stores: ServiceStores
    let worker: EvolutionWorker
    /// The policy of a task that has none stored (`--evolve-every` sets its `every`; 0 turns `auto` off).
    let defaults: EvolutionPolicy
    let launcher: EvolutionLauncher
    /// Runs of all tasks active at once at most (every replica together).
    let maxActiveRuns: Int
    let log = Logger(label: "moecl.evolution")
    /// The experts served now, and what to call after a promotion so they include it.
    let snapshot: @Sendable () -> ExpertSnapshot
    let changed: @Sendable () -> Void
    /// Checks for automatic runs one at a time, off the request's queue.
    private let triggers = DispatchQueue(label: "moecl.evolution.triggers")

    init(
        stores: ServiceStores, worker: EvolutionWorker, defaults: EvolutionPolicy, launcher: EvolutionLauncher?,
        maxActiveRuns: Int = 1, snapshot: @escaping @Sendable () -> ExpertSnapshot,
        changed: @escaping @Sendable () -> Void
    ) {
        self.snapshot = snapshot
        self.changed = changed
        self.maxActiveRuns = maxActiveRuns
        self.stores = stores
        self.worker = worker
        self.defaults = defaults
        self.launcher = launcher ?? { _ in }
    }

    /// A launcher that runs each run on a thread of this process, on `snapshot()` (tests and small setups).
    static func inProcess(
        worker: EvolutionWorker, policy: @escaping @Sendable (String) -> EvolutionPolicy,
        snapshot: @escaping @Sendable () -> ExpertSnapshot,
        finished: @escaping @Sendable (EvolutionRun.Status) -> Void
    ) -> EvolutionLauncher {
        { run in
            let thread = Thread {
                finished(worker.execute(run, snapshot: snapshot(), policy: policy(run.task)))
            }
            thread.qualityOfService = .utility
            thread.start()
        }
    }

    func policy(task: String) throws -> EvolutionPolicy { try worker.policy(task: task, defaults: defaults) }

    /// Starts a run of `task` served at `version`, or throws 409 while one is active.
    func start(task: String, version: Int, trigger: String, mode: EvolutionMode?) throws -> EvolutionRun {
        try worker.recover()
        let policy = try policy(task: task)
        let verdicts = try stores.reviews.verdictCount(task: task)
        guard
            let run = try stores.evolution.begin(
                task: task, mode: (mode ?? policy.mode).rawValue, trigger: trigger, parentVersion: version,
                verdicts: verdicts, leaseSeconds: worker.leaseSeconds, now: Clock.now(), maxActive: maxActiveRuns,
                itemWatermark: try stores.reviews.newestItemId())
        else {
            if let active = try stores.evolution.runs(task: task, limit: 5).first(where: { $0.status.isActive }) {
                throw ServiceError.conflict(
                    "task '\(task)' has an evolution run in progress (run \(active.id)); wait for it to finish "
                        + "(GET /v1/tasks/\(task)/evolution)")
            }
            throw ServiceError.conflict(
                "\(maxActiveRuns) evolution run(s) of other tasks are in progress, the most at once; "
                    + "retry when one has finished")
        }
        log.info("evolution run started", metadata: ["task": "\(task)", "run": "\(run.id)", "trigger": "\(trigger)"])
        launcher(run)
        return run
    }

    /// After a verdict on `task`: judges its shadowing candidate when enough fresh audit verdicts came, and
    /// starts an automatic run when its policy asks for one (every `every` verdicts since the last run, at least
    /// `minVerdicts`). Runs off the caller's queue; errors are logged.
    func verdictRecorded(task: String, version: @escaping @Sendable () -> Int?) {
        triggers.async { [self] in
            do {
                let policy = try policy(task: task)
                if let shadow = try stores.evolution.shadows().first(where: { $0.task == task }) {
                    if try worker.judgeShadow(shadow, snapshot: snapshot(), policy: policy) != nil { changed() }
                    return
                }
                guard policy.auto, let served = version() else { return }
                let count = try stores.reviews.verdictCount(task: task)
                let last = try stores.evolution.runs(task: task, limit: 1).first
                guard count >= policy.minVerdicts, count - (last?.verdicts ?? 0) >= policy.every,
                    last?.status.isActive != true
                else { return }
                _ = try start(task: task, version: served, trigger: "auto", mode: nil)
            } catch ServiceError.conflict {
                // Another replica started one first.
            } catch {
                log.error("automatic evolution check failed", metadata: ["task": "\(task)", "error": "\(error)"])
            }
        }
    }

    /// Waits until queued trigger checks are done (tests).
    func settle() { triggers.sync {} }
}
