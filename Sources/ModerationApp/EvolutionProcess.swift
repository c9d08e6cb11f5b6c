// Evolution runs in a process of their own: the server starts `moecl evolve --run-id N` for each run, and the
// same entry point serves a Kubernetes Job (`moecl evolve --task T`).

import Evolution
import Foundation
import Logging
import ModerationService
import ServiceStore
import TensorCore

#if canImport(Glibc)
    import Glibc
#endif

/// Runs an evolution run out of the server's process: its own OpenBLAS threads (`train-threads`), a lower OS
/// priority, and a crash or kill that cannot touch inference. The run's lease and the registry make it safe to
/// lose at any point (`EvolutionWorker`).
public enum EvolutionProcess {
    /// A launcher that starts `/proc/self/exe evolve --run-id N` with the server's model, experts and state.
    /// When the process exits and the run is still active, `EvolutionWorker.abandon` finishes it (promoted when its
    /// candidate reached the registry, else failed with the exit status).
    static func launcher(settings: ServeSettings, stores: ServiceStores, worker: EvolutionWorker) -> EvolutionLauncher {
        let log = Logger(label: "moecl.evolution")
        return { run in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/proc/self/exe")
            process.arguments = ["evolve", "--run-id", "\(run.id)"] + arguments(settings)
            var environment = ProcessInfo.processInfo.environment
            environment["OPENBLAS_NUM_THREADS"] = "\(settings.trainThreads)"
            process.environment = environment
            process.terminationHandler = { finished in
                let status = finished.terminationStatus
                guard let now = try? stores.evolution.run(run.id), now.status.isActive, now.status != .shadow
                else { return }  // finished, or shadowing (the expert sync loads its candidate)
                log.error(
                    "the evolution process exited before its run finished",
                    metadata: ["run": "\(run.id)", "status": "\(status)"])
                try? worker.abandon(id: run.id, why: "the trainer process exited with status \(status)")
            }
            do {
                try process.run()
            } catch {
                log.error("cannot start the evolution process", metadata: ["run": "\(run.id)", "error": "\(error)"])
                try? stores.evolution.finish(
                    id: run.id, status: .failed, metrics: nil,
                    reasons: ["the trainer process could not start: \(error)"], now: Date().timeIntervalSince1970)
            }
        }
    }

    /// The settings an evolution process needs, as flags.
    static func arguments(_ s: ServeSettings) -> [String] {
        var flags = ["--model", s.model, "--state", s.state, "--train-threads", "\(s.trainThreads)"]
        if let experts = s.experts { flags += ["--experts", experts] }
        if let url = s.databaseURL { flags += ["--database-url", url] }
        if let data = s.trainingData { flags += ["--training-data", data] }
        flags += ["--log-level", s.logLevel.rawValue, "--log-format", s.logFormat.rawValue]
        return flags
    }

    /// Runs run `runID` (started by a server), or begins and runs one of `task` (`trigger` cli), in this process:
    /// at `nice` 10 and `SCHED_IDLE`, with `settings.trainThreads` compute threads. Returns the run's final status.
    public static func run(settings: ServeSettings, runID: Int64?, task: String?, mode: String?) throws
        -> EvolutionRun.Status
    {
        _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 10)
        // SCHED_IDLE (5 in Linux's sched.h): the trainer runs only on CPU time inference leaves. Threads started
        // after this (OpenBLAS's, the trainer's) inherit it.
        var parameters = sched_param()
        _ = sched_setscheduler(0, 5, &parameters)
        var loading = settings
        loading.threads = settings.trainThreads
        let database = try openDatabase(
            url: settings.databaseURL,
            sqlitePath: (settings.state as NSString).appendingPathComponent("moecl.sqlite"))
        let stores = try ServiceStores(database: database, keepDecisionLog: false)
        let model = try LoadedModel.load(loading)
        let folder = (settings.state as NSString).appendingPathComponent("experts")
        let snapshot = try ModerationService.applyingRegistry(stores.registry, to: model.bundle, uploadFolder: folder)
        let worker = EvolutionWorker(
            stores: stores, folder: folder, trainingData: settings.trainingData)
        var defaults = EvolutionPolicy.serverDefault(every: settings.evolveEvery)
        let run: EvolutionRun
        if let runID {
            guard let stored = try stores.evolution.run(runID) else {
                throw SettingsError("no evolution run \(runID) in \(database.displayName)")
            }
            guard stored.status.isActive else {
                throw SettingsError("evolution run \(runID) is \(stored.status.rawValue) already")
            }
            run = stored
        } else {
            guard let task else { throw SettingsError("give --task (or --run-id of a run a server started)") }
            try worker.recover()
            guard let expert = snapshot.tasks[task] else {
                throw SettingsError(
                    "task '\(task)' is not served (tasks: \(snapshot.taskNames.joined(separator: ", ")))")
            }
            let policy = try worker.policy(task: task, defaults: defaults)
            defaults = policy
            guard
                let begun = try stores.evolution.begin(
                    task: task, mode: mode ?? policy.mode.rawValue, trigger: "cli", parentVersion: expert.version,
                    verdicts: try stores.reviews.verdictCount(task: task), leaseSeconds: worker.leaseSeconds,
                    now: Date().timeIntervalSince1970)
            else {
                throw SettingsError("task '\(task)' has an evolution run in progress; wait for it to finish")
            }
            run = begun
        }
        let policy = try worker.policy(task: run.task, defaults: defaults)
        return worker.execute(run, snapshot: snapshot, policy: policy)
    }
}
