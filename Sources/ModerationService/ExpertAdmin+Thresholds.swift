// Thresholds of a task's expert: set by hand, or calibrated to a target precision on labelled samples (posted,
// or the verdicts humans gave on this expert version's review and audit items). Stored as a new upload of the
// same expert version, so they survive restarts and roll back with it.

import Foundation
import MoELoRA
import Moderation
import ServiceStore

extension ExpertAdmin {
    /// Replaces the calibration of `task`'s expert and swaps it in.
    func setCalibration(task: String, _ make: (TaskExpert) throws -> Calibration) throws -> ThresholdsBody {
        let snapshot = engine.snapshot
        guard let expert = snapshot.tasks[task] else { throw ServiceError.unknownTask(task, known: snapshot.taskNames) }
        var metadata = expert.metadata
        metadata.calibration = try make(expert)
        let updated = expert.with(metadata: metadata)
        _ = try install(updated, bytes: try ExpertFile.serialized(updated))
        return ThresholdsBody(task: task, version: updated.version, calibration: metadata.calibration!)
    }

    /// Thresholds from `body["thresholds"]` (label → value in [0, 1]) and an optional `target_precision`.
    static func manualCalibration(_ body: [String: Any], expert: TaskExpert) throws(ServiceError) -> Calibration {
        guard let given = body["thresholds"] as? [String: Any], !given.isEmpty else {
            throw .validation("give 'thresholds': an object of label → threshold in [0, 1]")
        }
        var thresholds: [String: Double] = [:]
        for (label, value) in given {
            guard expert.labels.contains(label) else {
                throw .validation("'\(label)' is not one of the labels \(expert.labels)")
            }
            guard let v = JSONField.number(value), v >= 0, v <= 1 else {
                throw .validation("the threshold of '\(label)' must be a number in [0, 1]")
            }
            thresholds[label] = v
        }
        let target = try JSONField.targetPrecision(body, fallback: expert.metadata.calibration?.targetPrecision ?? 0.9)
        return Calibration(targetPrecision: target, thresholds: thresholds, calibratedAt: ExpertMetadata.now())
    }

    /// Samples for calibration: the stored verdicts on items scored by `expert`'s version.
    static func verdictSamples(_ reviews: ReviewStore, expert: TaskExpert) throws -> [ThresholdCalibrator.Sample] {
        try reviews.verdicts(task: expert.name).compactMap { item in
            guard item.expertVersion == expert.version, item.labels == expert.labels,
                let label = item.verdict.flatMap({ expert.labels.firstIndex(of: $0) })
            else { return nil }
            return ThresholdCalibrator.Sample(scores: item.scores.map(Float.init), label: label)
        }
    }
}

/// The body of a thresholds response.
struct ThresholdsBody: Encodable {
    let task: String
    let version: Int
    let calibration: Calibration
}
