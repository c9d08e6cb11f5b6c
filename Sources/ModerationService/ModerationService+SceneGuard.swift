// PUT /v1/tasks/{task}/scene-guard: switch a task's scene guard on or off, optionally with a new threshold.

import Foundation
import MoELoRA

extension ModerationService {
    /// PUT /v1/tasks/{task}/scene-guard `{"enabled": bool, "threshold"?: number in [0, 1]}` (admin queue). Stored
    /// as a new upload of the same expert version, like thresholds, so it survives restarts and rolls back with it.
    func setSceneGuard(_ request: RouteRequest) throws -> Reply {
        let body = try JSONBody.object(request.http)
        guard let enabled = body["enabled"] as? Bool else {
            throw ServiceError.validation("give 'enabled': true (send out-of-scene texts to review) or false")
        }
        var threshold: Double?
        if let raw = body["threshold"] {
            guard let value = JSONField.number(raw), (0...1).contains(value) else {
                throw ServiceError.validation(
                    "'threshold' must be a number in [0, 1] (the in-scene score below which a text is out of scene)")
            }
            threshold = value
        }
        return .json(try admin.setSceneGuard(task: request.parameter("task"), enabled: enabled, threshold: threshold))
    }
}

extension ExpertAdmin {
    /// Replaces the scene guard settings of `task`'s expert and swaps it in.
    /// - Throws: `ServiceError.conflict` when the expert carries no scene detector.
    func setSceneGuard(task: String, enabled: Bool, threshold: Double?) throws -> SceneGuardBody {
        let snapshot = engine.snapshot
        guard let expert = snapshot.tasks[task] else { throw ServiceError.unknownTask(task, known: snapshot.taskNames) }
        guard var settings = expert.metadata.scene, let detector = expert.scene else {
            throw ServiceError.conflict(
                "the expert of '\(task)' (version \(expert.version)) has no scene detector: fit one with moecl "
                    + "scene-fit and upload the expert it writes (a retrained version carries none until refitted)")
        }
        settings.enabled = enabled
        if let threshold { settings.threshold = threshold }
        let updated = expert.with(scene: detector, settings: settings)
        _ = try install(updated, bytes: try ExpertFile.serialized(updated))
        return SceneGuardBody(task: task, version: updated.version, scene: settings)
    }
}

/// The body of a scene-guard response.
struct SceneGuardBody: Encodable {
    let task: String
    let version: Int
    let scene: SceneGuard
}
