// Executes one evolution run: reads the task's verdicts, trains and assesses a candidate (EvolutionStep), and
// promotes it through the registry or records why not. Used in-process (tests, a thread) and by `moecl evolve`
// (a process of its own, which is how the server runs it).

import Dispatch
import Evolution
import Foundation
import Logging
import ModelFormats
import MoELoRA
import ServiceStore
import Tokenization
import Training

/// One run's work, from a started run to its final status. Promotion writes the candidate's file and registers
/// it in one registry transaction, after marking the run `promoting`, so a crash at any point leaves either the
/// old expert serving (the run fails on recovery) or the new one registered (the run is promoted on recovery).
public struct EvolutionWorker: Sendable {
    public let stores: ServiceStores
    public let tokenizer: BertTokenizer
    /// Where expert files are written (the service's upload folder).
    public let folder: String
    /// Seconds a lease lasts; the worker renews it every third of that while it trains.
    public let leaseSeconds: Double
    let log = Logger(label: "moecl.evolution")

    public init(stores: ServiceStores, tokenizer: BertTokenizer, folder: String, leaseSeconds: Double = 60) {
        self.stores = stores
        self.tokenizer = tokenizer
        self.folder = folder
        self.leaseSeconds = leaseSeconds
    }

    /// The task's verdicts as training data: items of the task as it now exists (not of a deleted namesake).
    public func verdicts(task: String) throws -> [LabelledVerdict] {
        let first = try stores.evolution.firstVersion(task: task)
        return try stores.reviews.verdicts(task: task).compactMap { item in
            guard item.expertVersion >= first, let label = item.verdict else { return nil }
            return LabelledVerdict(id: item.id, text: item.text, label: label, sampled: item.sampled)
        }
    }

    /// The task's policy: the stored one, else `defaults`.
    public func policy(task: String, defaults: EvolutionPolicy) throws -> EvolutionPolicy {
        guard let json = try stores.evolution.policy(task: task) else { return defaults }
        return (try? JSONDecoder().decode(EvolutionPolicy.self, from: Data(json.utf8))) ?? defaults
    }

    /// Runs `run` on `snapshot` (the experts served now) to its final status and returns that status.
    @discardableResult
    public func execute(_ run: EvolutionRun, snapshot: ExpertSnapshot, policy: EvolutionPolicy) -> EvolutionRun.Status {
        let renewal = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "moecl.evolution.lease"))
        renewal.schedule(deadline: .now() + leaseSeconds / 3, repeating: leaseSeconds / 3)
        renewal.setEventHandler { [stores, leaseSeconds] in
            _ = try? stores.evolution.renew(id: run.id, until: Clock.now() + leaseSeconds)
        }
        renewal.resume()
        defer { renewal.cancel() }
        do {
            return try promoteOrReject(run, snapshot: snapshot, policy: policy)
        } catch {
            log.error(
                "evolution run failed", metadata: ["task": "\(run.task)", "run": "\(run.id)", "error": "\(error)"])
            try? stores.evolution.finish(
                id: run.id, status: .failed, metrics: nil, reasons: ["\(error)"], now: Clock.now())
            return .failed
        }
    }

    private func promoteOrReject(_ run: EvolutionRun, snapshot: ExpertSnapshot, policy: EvolutionPolicy) throws
        -> EvolutionRun.Status
    {
        var policy = policy
        policy.mode = EvolutionMode(rawValue: run.mode) ?? policy.mode
        let others =
            policy.mode == .shared
            ? try Dictionary(
                uniqueKeysWithValues: snapshot.taskNames.filter { $0 != run.task }.map {
                    ($0, try verdicts(task: $0))
                }) : [:]
        let lineage =
            "{\"evolution_run\":\(run.id),\"parent_version\":\(run.parentVersion),\"verdicts\":\(run.verdicts)}"
        let step = EvolutionStep(snapshot: snapshot, policy: policy, seed: UInt64(run.id)) { [tokenizer] in
            tokenizer.encode($0, truncate: true)
        }
        let outcome: EvolutionStep.Outcome
        do {
            outcome = try step.run(
                task: run.task, verdicts: try verdicts(task: run.task), others: others, lineage: lineage)
        } catch let refusal as EvolutionStep.Refusal {
            try stores.evolution.finish(
                id: run.id, status: .rejected, metrics: nil, reasons: [refusal.description], now: Clock.now())
            return .rejected
        }
        let metrics = Self.metricsJSON(outcome)
        let a = outcome.assessment
        guard a.promote else {
            try stores.evolution.finish(
                id: run.id, status: .rejected, candidateVersion: outcome.candidate.version, metrics: metrics,
                reasons: a.reasons, now: Clock.now())
            log.info("evolution candidate rejected", metadata: ["task": "\(run.task)", "reasons": "\(a.reasons)"])
            return .rejected
        }
        guard outcome.shared == nil else {
            try stores.evolution.finish(
                id: run.id, status: .rejected, candidateVersion: outcome.candidate.version, metrics: metrics,
                reasons: a.reasons + ["promoting a new shared expert is not supported yet; the candidate is kept out"],
                now: Clock.now())
            return .rejected
        }
        let bytes = try ExpertFile.serialized(outcome.candidate)
        // What every replica will load: checked as an upload is, before anything is marked.
        _ = try ExpertFile.readTask(bytes: bytes, name: "the candidate of run \(run.id)", base: snapshot.base)
        try stores.evolution.markPromoting(
            id: run.id, candidateVersion: outcome.candidate.version, sha256: FileDigest.sha256(bytes),
            metrics: metrics, reasons: a.reasons)
        try ExpertAdmin.store(outcome.candidate, bytes: bytes, folder: folder, registry: stores.registry)
        try stores.evolution.finish(
            id: run.id, status: .promoted, candidateVersion: outcome.candidate.version, metrics: metrics,
            reasons: a.reasons, now: Clock.now())
        log.info(
            "evolution candidate promoted",
            metadata: ["task": "\(run.task)", "version": "\(outcome.candidate.version)", "run": "\(run.id)"])
        return .promoted
    }

    /// Recovers runs whose trainer died (their lease expired): promoted when their candidate reached the registry.
    public func recover() throws {
        try stores.evolution.recover(now: Clock.now(), registered: isRegistered)
    }

    /// Finishes run `id` whose trainer is known to be gone (its process exited): promoted when its candidate
    /// reached the registry, else failed with `why`.
    public func abandon(id: Int64, why: String) throws {
        guard let run = try stores.evolution.run(id) else { return }
        try stores.evolution.abandon(run, why: why, now: Clock.now(), registered: isRegistered)
    }

    private func isRegistered(_ run: EvolutionRun) throws -> Bool {
        guard let sha = run.candidateSHA256 else { return false }
        return try stores.registry.history(task: run.task).contains { $0.sha256 == sha }
    }

    /// The run's measures as stored and shown (`GET /v1/tasks/{task}/evolution`).
    static func metricsJSON(_ o: EvolutionStep.Outcome) -> String {
        let m = RunMetrics(
            current: o.assessment.current, candidate: o.assessment.candidate,
            thresholds: o.assessment.calibration.thresholds, otherTasks: o.assessment.otherTasks,
            train: o.trainCount, development: o.developmentCount, heldBack: o.heldBackCount,
            bestDevelopmentAccuracy: o.bestDevelopmentAccuracy, trainingSeconds: o.trainingSeconds)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: (try? encoder.encode(m)) ?? Data("{}".utf8), as: UTF8.self)
    }
}
