// Executes one evolution run: reads the task's verdicts, trains and assesses a candidate (EvolutionStep), and
// promotes it through the registry or records why not. Used in-process (tests, a thread) and by `moecl evolve`
// (a process of its own, which is how the server runs it).

import Dispatch
import Evolution
import Foundation
import Logging
import ModelFormats
import MoELoRA
import Moderation
import ServiceStore
import Tokenization
import Training

/// One run's work, from a started run to its final status. Promotion writes the candidate's file and registers
/// it in one registry transaction, after marking the run `promoting`, so a crash at any point leaves either the
/// old expert serving (the run fails on recovery) or the new one registered (the run is promoted on recovery).
public struct EvolutionWorker: Sendable {
    public let stores: ServiceStores
    /// Where expert files are written (the service's upload folder).
    public let folder: String
    /// Seconds a lease lasts; the worker renews it every third of that while it trains.
    public let leaseSeconds: Double
    /// Where the training files experts record (`TrainingSource.relative`) are looked for first
    /// (`--training-data`); nil: only at their recorded paths.
    public let trainingData: String?
    let log = Logger(label: "moecl.evolution")

    public init(
        stores: ServiceStores, folder: String, leaseSeconds: Double = 60,
        trainingData: String? = nil
    ) {
        self.stores = stores
        self.folder = folder
        self.leaseSeconds = leaseSeconds
        self.trainingData = trainingData
    }

    /// The texts `expert` was first trained on, when its metadata records them, the policy wants them and the
    /// file is found unchanged; with a sentence saying what was used or why not (nil: nothing recorded).
    func originalData(of expert: TaskExpert, policy: EvolutionPolicy) -> (
        texts: [LabelledText], source: TrainingSource?, note: String?
    ) {
        guard let source = TrainingSource.named(in: expert.metadata.training) else { return ([], nil, nil) }
        guard policy.originalData else {
            return ([], source, "the policy leaves out the texts the expert was first trained on (\(source.relative))")
        }
        switch source.locate(root: trainingData) {
        case .found(let path):
            do {
                let texts = try TaskData.labelled(path: path, labels: expert.labels)
                return (
                    texts, source,
                    "trained also on texts the expert was first trained on (\(path), \(texts.count) texts)"
                )
            } catch {
                return (
                    [], source,
                    "the texts the expert was first trained on (\(path)) cannot be read: \(error); trained on verdicts only"
                )
            }
        case .missing(let tried):
            return (
                [], source,
                "the texts the expert was first trained on (\(source.relative)) are not at \(tried) (give --training-data); trained on verdicts only"
            )
        case .changed(let path):
            return (
                [], source,
                "\(path) is no longer the file the expert was first trained on (its checksum differs); trained on verdicts only"
            )
        }
    }

    /// The dev split beside the training file `expert` records (`dev.jsonl` in the same folder), at most
    /// `maxDevelopmentTexts` of it evenly spaced, when that file is found unchanged; the shared-mode guard measures
    /// other tasks on it. Empty when there is none.
    func developmentData(of expert: TaskExpert) -> [LabelledText] {
        guard let source = TrainingSource.named(in: expert.metadata.training),
            case .found(let path) = source.locate(root: trainingData)
        else { return [] }
        let dev = URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent("dev.jsonl").path
        guard let texts = try? TaskData.labelled(path: dev, labels: expert.labels), !texts.isEmpty else { return [] }
        let count = min(texts.count, Self.maxDevelopmentTexts)
        return (0..<count).map { texts[$0 * texts.count / count] }
    }

    /// Dev texts per other task the shared-mode guard scores at most.
    static let maxDevelopmentTexts = 500

    /// The task's verdicts: items of the task as it now exists (not of a deleted namesake), with ids in `ids`.
    public func verdicts(task: String, ids: PartialRangeThrough<Int64> = ...Int64.max) throws -> [LabelledVerdict] {
        try verdicts(task: task, where: { ids.contains($0) })
    }

    func verdicts(task: String, where keep: (Int64) -> Bool) throws -> [LabelledVerdict] {
        let first = try stores.evolution.firstVersion(task: task)
        return try stores.reviews.verdicts(task: task).compactMap { item in
            guard item.expertVersion >= first, keep(item.id), let label = item.verdict else { return nil }
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
                    ($0, try verdicts(task: $0, ids: ...run.itemWatermark))
                }) : [:]
        let lineage =
            "{\"evolution_run\":\(run.id),\"parent_version\":\(run.parentVersion),\"verdicts\":\(run.verdicts)}"
        let step = EvolutionStep(snapshot: snapshot, policy: policy, seed: UInt64(run.id))
        let outcome: EvolutionStep.Outcome
        let original = snapshot.tasks[run.task].map { originalData(of: $0, policy: policy) } ?? ([], nil, nil)
        let (originalTexts, originalSource, originalNote) = original
        do {
            let development =
                policy.mode == .shared
                ? Dictionary(
                    uniqueKeysWithValues: others.keys.compactMap { name in
                        snapshot.tasks[name].map { (name, developmentData(of: $0)) }
                    }) : [:]
            outcome = try step.run(
                task: run.task, verdicts: try verdicts(task: run.task, ids: ...run.itemWatermark), others: others,
                original: originalTexts, source: originalSource, otherDevelopment: development, lineage: lineage)
        } catch let refusal as EvolutionStep.Refusal {
            try stores.evolution.finish(
                id: run.id, status: .rejected, metrics: nil, reasons: [refusal.description], now: Clock.now())
            return .rejected
        }
        let metrics = Self.metricsJSON(outcome)
        let a = outcome.assessment
        refreshMargins(task: run.task, outcome: outcome, snapshot: snapshot)
        let reasons = (originalNote.map { [$0] } ?? []) + a.reasons
        guard a.promote || a.recalibrate else {
            try stores.evolution.finish(
                id: run.id, status: .rejected, candidateVersion: outcome.candidate.version, metrics: metrics,
                reasons: reasons, now: Clock.now())
            log.info("evolution candidate rejected", metadata: ["task": "\(run.task)", "reasons": "\(reasons)"])
            return .rejected
        }
        let bytes = try ExpertFile.serialized(outcome.candidate)
        // What every replica will load: checked as an upload is, before anything is marked.
        _ = try ExpertFile.readTask(bytes: bytes, name: "the candidate of run \(run.id)", base: snapshot.base)
        let sharedBytes = try outcome.shared.map { shared in
            let bytes = try ExpertFile.serialized(shared)
            _ = try ExpertFile.readShared(
                bytes: bytes, name: "the shared candidate of run \(run.id)", base: snapshot.base)
            return bytes
        }
        if policy.shadowVerdicts > 0 {
            try stores.evolution.enterShadow(
                id: run.id, candidateVersion: outcome.candidate.version, sha256: FileDigest.sha256(bytes),
                candidate: bytes, shared: sharedBytes, metrics: metrics,
                reasons: reasons + [
                    "shadowing the current expert until \(policy.shadowVerdicts) fresh audit verdicts judge it"
                ], until: Clock.now() + 3600 * policy.shadowHours)
            log.info(
                "evolution candidate shadows the current expert",
                metadata: ["task": "\(run.task)", "version": "\(outcome.candidate.version)", "run": "\(run.id)"])
            return .shadow
        }
        try promote(
            run, candidate: outcome.candidate, bytes: bytes, shared: outcome.shared.map { ($0, sharedBytes!) },
            from: .running, metrics: metrics, reasons: reasons)
        return .promoted
    }

    /// Open items the informative claim order ranks, at most this many per run, get their margins from the newest
    /// candidate.
    static let marginRefreshLimit = 2000

    /// Ranks the task's open review items by the candidate's margins, whatever becomes of the candidate: until a
    /// first expert is promoted every open item of a new task has the untrained expert's margin 0, so the
    /// informative order would be the oldest order; a trained candidate, even a rejected one, knows better which
    /// texts are uncertain. A failure here is logged; the run goes on.
    func refreshMargins(task: String, outcome: EvolutionStep.Outcome, snapshot: ExpertSnapshot) {
        do {
            let open = try stores.reviews.openUnsampled(task: task, limit: Self.marginRefreshLimit)
            guard !open.isEmpty else { return }
            var scoring = snapshot
            if let shared = outcome.shared { scoring = try scoring.replacingShared(shared) }
            scoring = try scoring.adding(outcome.candidate)
            var margins: [(id: Int64, margin: Double)] = []
            for start in stride(from: 0, to: open.count, by: 32) {
                let chunk = open[start..<min(open.count, start + 32)]
                let scores = try scoring.classify(
                    sequences: chunk.map { scoring.encode($0.text, task: task).ids },
                    tasks: [String](repeating: task, count: chunk.count))
                for (item, s) in zip(chunk, scores) {
                    let sorted = s.scores.sorted(by: >)
                    margins.append((item.id, sorted.count < 2 ? 1 : Double(sorted[0] - sorted[1])))
                }
            }
            try stores.reviews.refreshMargins(margins)
        } catch {
            log.warning(
                "could not refresh the review queue's margins", metadata: ["task": "\(task)", "error": "\(error)"])
        }
    }

    /// Marks the run promoting, registers the candidate, marks it promoted.
    /// `shared`: a shared-mode candidate's shared expert and its file, registered with the task's in one change.
    private func promote(
        _ run: EvolutionRun, candidate: TaskExpert, bytes: [UInt8], shared: (SharedExpert, [UInt8])? = nil,
        from: EvolutionRun.Status, metrics: String, reasons: [String]
    ) throws {
        guard
            try stores.evolution.markPromoting(
                id: run.id, from: from, candidateVersion: candidate.version, sha256: FileDigest.sha256(bytes),
                metrics: metrics, reasons: reasons, until: Clock.now() + leaseSeconds)
        else { return }  // another process finished it first
        if let (expert, sharedBytes) = shared {
            try ExpertAdmin.storeTogether(
                candidate, bytes: bytes, shared: expert, sharedBytes: sharedBytes, folder: folder,
                registry: stores.registry)
        } else {
            try ExpertAdmin.store(candidate, bytes: bytes, folder: folder, registry: stores.registry)
        }
        try stores.evolution.finish(
            id: run.id, status: .promoted, candidateVersion: candidate.version, metrics: metrics, reasons: reasons,
            now: Clock.now())
        log.info(
            "evolution candidate promoted",
            metadata: ["task": "\(run.task)", "version": "\(candidate.version)", "run": "\(run.id)"])
    }

    /// Judges run `run`'s shadowing candidate once enough fresh audit verdicts came (sampled items created after
    /// the run started), and promotes or rejects it; nil while it still waits. `snapshot`: the experts served.
    public func judgeShadow(_ run: EvolutionRun, snapshot: ExpertSnapshot, policy: EvolutionPolicy) throws
        -> EvolutionRun.Status?
    {
        guard run.status == .shadow else { return nil }
        let fresh = try verdicts(task: run.task, where: { $0 > run.itemWatermark }).filter(\.sampled)
        guard fresh.count >= max(1, policy.shadowVerdicts) else { return nil }
        guard let current = snapshot.tasks[run.task], let bytes = try stores.evolution.candidate(id: run.id),
            let stored = run.metrics.flatMap({ try? JSONDecoder().decode(RunMetrics.self, from: Data($0.utf8)) })
        else {
            try stores.evolution.finish(
                id: run.id, status: .failed, metrics: nil,
                reasons: run.reasons + ["the task, the candidate's file or its held-back measures are gone"],
                now: Clock.now())
            return .failed
        }
        let candidate = try ExpertFile.readTask(
            bytes: bytes, name: "the candidate of run \(run.id)", base: snapshot.base)
        // A shared-mode candidate is judged with the shared expert it was trained with.
        let shared = try stores.evolution.candidateShared(id: run.id).map {
            (
                try ExpertFile.readShared(
                    bytes: $0, name: "the shared candidate of run \(run.id)", base: snapshot.base), $0
            )
        }
        let candidateSnapshot = try (shared.map { try snapshot.replacingShared($0.0) } ?? snapshot).adding(candidate)
        let known = fresh.filter { current.labels.contains($0.label) }
        let examples = known.map {
            EncodedExample(
                ids: snapshot.encode($0.text, task: run.task).ids, label: current.labels.firstIndex(of: $0.label)!)
        }
        let before = try EvolutionStep.samples(examples, task: run.task, snapshot: snapshot)
        let after = try EvolutionStep.samples(examples, task: run.task, snapshot: candidateSnapshot)
        let target = candidate.metadata.calibration?.targetPrecision ?? policy.targetPrecision ?? 0.9
        let noRule = DecisionRule(
            labels: current.labels, compliantLabel: current.metadata.compliantLabel,
            calibration: Calibration(targetPrecision: target, thresholds: [:]))
        let assessment = ShadowAssessment(
            current: before, candidate: after, currentRule: current.decisionRule ?? noRule,
            candidateRule: candidate.decisionRule ?? noRule, heldBack: stored.candidate, targetPrecision: target,
            confidence: policy.confidence, margin: policy.margin, minimumFresh: policy.shadowVerdicts)
        var metrics = stored
        metrics.shadow = RunMetrics.Shadow(assessment)
        let json = Self.encoded(metrics)
        let reasons = run.reasons + assessment.reasons
        guard assessment.promote else {
            try stores.evolution.finish(
                id: run.id, status: .rejected, metrics: json, reasons: reasons, now: Clock.now())
            log.info(
                "evolution candidate rejected after its shadow phase",
                metadata: ["task": "\(run.task)", "run": "\(run.id)", "reasons": "\(assessment.reasons)"])
            return .rejected
        }
        try promote(
            run, candidate: candidate, bytes: bytes, shared: shared, from: .shadow, metrics: json, reasons: reasons)
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
        let a = o.assessment
        return encoded(
            RunMetrics(
                current: a.current, currentAtTarget: a.currentAtTarget,
                candidate: a.recalibrate ? a.currentAtTarget : a.candidate, recalibrated: a.recalibrate ? true : nil,
                trained: a.recalibrate ? a.candidate : nil,
                thresholds: o.candidate.metadata.calibration?.thresholds ?? [:], otherTasks: a.otherTasks,
                otherTasksDevelopment: a.otherTasksDevelopment.isEmpty ? nil : a.otherTasksDevelopment,
                train: o.trainCount, development: o.developmentCount, heldBack: o.heldBackCount,
                bestDevelopmentAccuracy: o.bestDevelopmentAccuracy, trainingSeconds: o.trainingSeconds,
                original: o.originalCount))
    }

    static func encoded(_ m: RunMetrics) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: (try? encoder.encode(m)) ?? Data("{}".utf8), as: UTF8.self)
    }
}
