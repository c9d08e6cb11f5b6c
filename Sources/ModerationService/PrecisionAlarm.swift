// Watches each task's live precision on its audited automatic decisions and, when the interval says it fell
// below the target, raises the alarm (log line, metric, stats field) and answers as the task's policy says.

import Dispatch
import Evolution
import Foundation
import HTTPCore
import Logging
import MoELoRA
import Moderation
import ServiceStore

/// The live precision alarm of every task (docs/EVOLUTION.md, "Watching the promise").
final class PrecisionAlarm: Sendable {
    let stores: ServiceStores
    let admin: ExpertAdmin
    let metrics: ServiceMetrics
    let policy: @Sendable (String) throws -> EvolutionPolicy
    let log = Logger(label: "moecl.precision")
    /// Per task, the served state (version and thresholds) the alarm was last answered for: each state is answered
    /// once, so a response that did not clear the alarm is not repeated on every verdict.
    private let answered = LockedBox<[String: String]>([:])
    /// Tasks whose alarm is raised now (for the raised and cleared log lines).
    private let raised = LockedBox<Set<String>>([])
    /// Checks run one at a time, off the request's queue.
    private let queue = DispatchQueue(label: "moecl.precision-alarm")

    init(
        stores: ServiceStores, admin: ExpertAdmin, metrics: ServiceMetrics,
        policy: @escaping @Sendable (String) throws -> EvolutionPolicy
    ) {
        self.stores = stores
        self.admin = admin
        self.metrics = metrics
        self.policy = policy
    }

    /// The live precision of `task` as `expert` serves it now: its newest audits (the policy's window), read
    /// against its thresholds.
    func reading(of expert: TaskExpert) throws -> PrecisionWatch {
        let policy = try policy(expert.name)
        let audits = try stores.reviews.audits(task: expert.name, version: expert.version, limit: policy.alarmWindow)
        let calibration = expert.metadata.calibration
        return PrecisionWatch(
            audits: Self.samples(audits, expert: expert), labels: expert.labels, calibration: calibration,
            target: policy.targetPrecision ?? calibration?.targetPrecision ?? 0.9, confidence: policy.confidence)
    }

    /// Items of `expert`'s version with a verdict as calibration samples (other versions' and label sets' left out).
    static func samples(_ items: [ReviewItem], expert: TaskExpert) -> [ThresholdCalibrator.Sample] {
        items.compactMap { item in
            guard item.expertVersion == expert.version, item.labels == expert.labels,
                let label = item.verdict.flatMap({ expert.labels.firstIndex(of: $0) })
            else { return nil }
            return ThresholdCalibrator.Sample(scores: item.scores.map(Float.init), label: label)
        }
    }

    /// After a verdict on `task`: checks its alarm, off the caller's queue.
    func verdictRecorded(task: String) {
        queue.async { [self] in
            do { try check(task: task) } catch {
                log.error("precision alarm check failed", metadata: ["task": "\(task)", "error": "\(error)"])
            }
        }
    }

    /// Waits until queued checks are done (tests).
    func settle() { queue.sync {} }

    /// Reads `task`'s precision; on an alarm, logs it and answers it once per served state.
    func check(task: String) throws {
        guard let expert = admin.engine.snapshot.tasks[task] else { return }
        let watch = try reading(of: expert)
        guard watch.alarm else {
            if raised.withLock({ $0.remove(task) }) != nil {
                log.notice("precision alarm cleared", metadata: ["task": "\(task)", "version": "\(expert.version)"])
            }
            return
        }
        let state = "\(expert.version) \(expert.metadata.calibration?.thresholds.sorted { $0.key < $1.key } ?? [])"
        let first = raised.withLock { $0.insert(task).inserted }
        let fresh = answered.withLock { answered in
            defer { answered[task] = state }
            return answered[task] != state
        }
        let response = try policy(task).alarmResponse
        if first || fresh {
            log.warning(
                "precision alarm: audited precision is below the target",
                metadata: [
                    "task": "\(task)", "version": "\(expert.version)", "audited": "\(watch.audited)",
                    "agreed": "\(watch.agreed)", "upper_bound": "\(watch.upper)", "target": "\(watch.target)",
                    "response": "\(response.rawValue)",
                ])
        }
        guard fresh else { return }
        switch response {
        case .alert: return
        case .auto:
            if try previousIsSound(expert), try rollBack(task: task, version: expert.version) { return }
            try tighten(expert, watch: watch)
        case .rollback:
            if try rollBack(task: task, version: expert.version) { return }
            try tighten(expert, watch: watch)
        case .tighten: try tighten(expert, watch: watch)
        }
    }

    /// Whether the version `expert` replaced is one to go back to: there is one (an earlier upload of another
    /// version, or the bundle's expert), and its own audits, read at its own thresholds, raise no alarm.
    func previousIsSound(_ expert: TaskExpert) throws -> Bool {
        let history = try stores.registry.history(task: expert.name)
        guard let active = history.lastIndex(where: \.active) else { return false }  // the bundle's: nothing before
        let previous: TaskExpert
        if let entry = history[..<active].last(where: { $0.version != expert.version }) {
            previous = try ExpertAdmin.loadRegistered(
                entry, registry: stores.registry, folder: admin.folder, base: admin.engine.snapshot.base)
        } else if let bundled = admin.bundle?.tasks[expert.name], bundled.version != expert.version {
            previous = bundled
        } else {
            return false
        }
        return !(try reading(of: previous).alarm)
    }

    /// Serves the version before `version` again, when `version` is still the one served: rolls back past every
    /// registered state of `version` (a thresholds change is a state of its own). False when there is no earlier
    /// version to roll back to.
    private func rollBack(task: String, version: Int) throws -> Bool {
        try admin.queue.sync {
            while admin.engine.snapshot.tasks[task]?.version == version {
                do { _ = try admin.rollback(task: task) } catch ServiceError.conflict { return false }
            }
            let now = admin.engine.snapshot.tasks[task]?.version
            metrics.alarmResponse(task: task, response: .rollback)
            log.warning(
                "precision alarm: rolled back",
                metadata: ["task": "\(task)", "from": "\(version)", "to": "\(now ?? 0)"])
            return true
        }
    }

    /// Raises or drops the thresholds of the labels below the target, recalibrated on the version's random
    /// samples (sampled traffic and audits) that the thresholds decide now.
    private func tighten(_ expert: TaskExpert, watch: PrecisionWatch) throws {
        guard let calibration = expert.metadata.calibration else { return }
        let samples = Self.samples(
            try stores.reviews.verdicts(task: expert.name).filter { $0.sampled || $0.kind == .audit }, expert: expert)
        let tightened = ThresholdTightening.tightened(
            calibration, watch: watch, samples: samples, labels: expert.labels, calibratedAt: ExpertMetadata.now())
        let applied = try admin.queue.sync {
            // Only the expert the alarm was raised on: a swap since then (a promotion, a rollback) is left alone.
            let current = admin.engine.snapshot.tasks[expert.name]
            guard current?.version == expert.version, current?.metadata.calibration == calibration else { return false }
            _ = try admin.setCalibration(task: expert.name) { _ in tightened }
            return true
        }
        guard applied else { return }
        metrics.alarmResponse(task: expert.name, response: .tighten)
        log.warning(
            "precision alarm: thresholds tightened",
            metadata: [
                "task": "\(expert.name)", "version": "\(expert.version)",
                "thresholds": "\(tightened.thresholds.sorted { $0.key < $1.key })",
            ])
    }
}
