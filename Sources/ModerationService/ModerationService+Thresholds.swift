// PUT /v1/tasks/{task}/thresholds and POST /v1/tasks/{task}/calibrate.

import Foundation
import HTTPCore
import InferenceEngine
import MoELoRA
import Moderation

extension ModerationService {
    /// PUT /v1/tasks/{task}/thresholds: thresholds set by hand (runs on the admin queue).
    func setThresholds(_ request: RouteRequest) throws -> Reply {
        let body = try JSONBody.object(request.http)
        return .json(
            try admin.setCalibration(task: request.parameter("task")) { expert in
                try ExpertAdmin.manualCalibration(body, expert: expert)
            })
    }

    /// POST /v1/tasks/{task}/calibrate: thresholds calibrated to a target precision on posted samples or on the
    /// verdicts given on this expert version's items (runs on the admin queue).
    func calibrate(_ request: RouteRequest) throws -> Reply {
        let task = request.parameter("task")
        let body = try JSONBody.object(request.http)
        let target = try JSONField.targetPrecision(body, fallback: 0.9)
        var confidence: Double?
        if let raw = body["confidence"] {
            guard let value = JSONField.number(raw), value > 0, value < 1 else {
                throw ServiceError.validation("'confidence' must be a number in (0, 1), e.g. 0.95")
            }
            confidence = value
        }
        var scope = PrecisionScope.label
        if let raw = body["precision_scope"] {
            guard let name = raw as? String, let value = PrecisionScope(rawValue: name) else {
                throw ServiceError.validation(
                    "'precision_scope' must be \"label\" (each label reaches the target) or \"decisions\" (all "
                        + "automatic decisions together)")
            }
            scope = value
        }
        return .json(
            try admin.setCalibration(task: task) { expert in
                let samples: [ThresholdCalibrator.Sample]
                if let posted = body["samples"] {
                    samples = try scoredSamples(posted, expert: expert)
                } else {
                    samples = try ExpertAdmin.verdictSamples(reviews, expert: expert)
                }
                guard !samples.isEmpty else {
                    throw ServiceError.validation(
                        "no labelled samples for '\(task)' version \(expert.version): post 'samples' "
                            + "([{\"text\", \"label\"}]) or record verdicts on its review items first")
                }
                return ThresholdCalibrator.calibrate(
                    samples, labels: expert.labels, targetPrecision: target, confidence: confidence, scope: scope,
                    calibratedAt: ExpertMetadata.now())
            })
    }

    /// Posted `[{"text", "label"}]` scored by the current expert (in chunks, waiting for each).
    func scoredSamples(_ posted: Any, expert: TaskExpert) throws -> [ThresholdCalibrator.Sample] {
        guard let list = posted as? [[String: Any]], !list.isEmpty, list.count <= 20_000 else {
            throw ServiceError.validation("'samples' must be an array of 1 to 20000 objects {\"text\", \"label\"}")
        }
        var texts: [[Int32]] = [], labels: [Int] = []
        for (i, item) in list.enumerated() {
            guard let text = item["text"] as? String,
                let label = (item["label"] as? String).flatMap({ expert.labels.firstIndex(of: $0) })
            else { throw ServiceError.validation("sample \(i) needs 'text' and a 'label' among \(expert.labels)") }
            texts.append(engine.snapshot.base.encode(text, template: expert.metadata.promptTemplate, truncate: true))
            labels.append(label)
        }
        var scores: [[Float]] = []
        var start = 0
        while start < texts.count {
            let chunk = Array(texts[start..<min(texts.count, start + 256)])
            let done = DispatchSemaphore(value: 0)
            let box = LockedBox<Result<ScoredRequest, InferenceEngineError>?>(nil)
            try engine.submit(sequences: chunk, tasks: Array(repeating: expert.name, count: chunk.count)) { result in
                box.withLock { $0 = result }
                done.signal()
            }
            done.wait()
            guard let result = box.withLock({ $0 }) else {
                throw ServiceError.unavailable("scoring the samples failed")
            }
            scores += try result.mapError { Self.serviceError($0) }.get().scores.map(\.scores)
            start += chunk.count
        }
        return zip(scores, labels).map { ThresholdCalibrator.Sample(scores: $0, label: $1) }
    }
}
