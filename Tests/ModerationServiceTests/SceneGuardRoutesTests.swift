// In-process: the scene guard sends out-of-scene texts to review only while it is on; PUT
// /v1/tasks/{task}/scene-guard switches it and moves its threshold, refuses bad bodies and experts without a
// detector, and its settings survive a restart.

import Foundation
import MoELoRA
import Moderation
import TestSupport
import Testing

@Suite("Service: scene guard")
struct SceneGuardRoutesTests {
    /// A task "scene" that decides every text (thresholds 0) and whose detector gives every text σ(bias).
    static func guarded(_ tiny: TinyMoE, bias: Float, threshold: Double, enabled: Bool) -> TaskExpert {
        let task = RandomExperts.task(name: "scene", base: tiny.base, seed: 31)
        var meta = task.metadata
        meta.calibration = Calibration(targetPrecision: 0.9, thresholds: ["compliant": 0, "violating": 0])
        let detector = SceneDetector(weight: [Float](repeating: 0, count: tiny.base.shape.hiddenSize), bias: bias)
        return task.with(metadata: meta).with(
            scene: detector, settings: SceneGuard(threshold: threshold, enabled: enabled, keep: 0.95))
    }

    static func first(_ service: ServiceHarness, _ task: String = "scene") throws -> [String: Any] {
        let (status, body) = try service.json("POST", "/v1/classify", "{\"task\": \"\(task)\", \"text\": \"a text\"}")
        #expect(status == .ok)
        return try #require((body["results"] as? [[String: Any]])?.first)
    }

    @Test func outOfSceneTextsGoToReviewOnlyWhileTheGuardIsOn() throws {
        let tiny = try TinyMoE()
        defer { tiny.remove() }
        // σ(2) = 0.881, below the threshold 0.9: every text is out of scene.
        let service = try ServiceHarness(
            tiny: tiny, auditRate: 0, extraTasks: [Self.guarded(tiny, bias: 2, threshold: 0.9, enabled: true)])
        defer { service.remove() }
        let guardedResult = try Self.first(service)
        #expect(guardedResult["decision"] as? String == "review" && guardedResult["review_id"] is Int)
        let scene = try #require(guardedResult["scene"] as? [String: Any])
        #expect(scene["in_scene"] as? Bool == false && scene["enabled"] as? Bool == true)
        #expect(abs((scene["score"] as? Double ?? 0) - 0.8808) < 1e-3 && scene["threshold"] as? Double == 0.9)
        // An expert without a detector reports no scene.
        #expect(try Self.first(service, "spam")["scene"] == nil)

        // Off: the same text is decided, and the score still reported.
        let (offStatus, off) = try service.json("PUT", "/v1/tasks/scene/scene-guard", "{\"enabled\": false}")
        #expect(offStatus == .ok && (off["scene"] as? [String: Any])?["enabled"] as? Bool == false)
        let unguarded = try Self.first(service)
        #expect(["white", "black"].contains(unguarded["decision"] as? String ?? ""))
        #expect((unguarded["scene"] as? [String: Any])?["in_scene"] as? Bool == false)

        // On again at a lower threshold: the text is in scene and decided.
        let (onStatus, _) = try service.json(
            "PUT", "/v1/tasks/scene/scene-guard", "{\"enabled\": true, \"threshold\": 0.5}")
        #expect(onStatus == .ok)
        let inScene = try Self.first(service)
        #expect(["white", "black"].contains(inScene["decision"] as? String ?? ""))
        #expect((inScene["scene"] as? [String: Any])?["in_scene"] as? Bool == true)

        // Bad bodies, an expert without a detector, an unknown task.
        for body in ["{\"enabled\": \"yes\"}", "{}", "{\"enabled\": true, \"threshold\": 2}"] {
            #expect(service.request("PUT", "/v1/tasks/scene/scene-guard", body: body)?.status == .unprocessableContent)
        }
        let none = service.request("PUT", "/v1/tasks/spam/scene-guard", body: "{\"enabled\": true}")
        #expect(none?.status == .conflict && none?.body.contains("moecl scene-fit") == true)
        #expect(service.request("PUT", "/v1/tasks/nope/scene-guard", body: "{\"enabled\": true}")?.status == .notFound)

        // The settings are stored with the expert: they survive a restart.
        let restarted = try service.restarted(auditRate: 0)
        defer { restarted.stop() }
        let later = try Self.first(restarted)
        #expect((later["scene"] as? [String: Any])?["threshold"] as? Double == 0.5)
        #expect(["white", "black"].contains(later["decision"] as? String ?? ""))
    }
}
