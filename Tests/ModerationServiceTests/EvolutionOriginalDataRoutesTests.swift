// An expert that records the texts it was trained on (TrainingSource) evolves on them again beside the verdicts,
// carries the record to the versions it begets, and trains on verdicts only, saying why, once the file changed.

import Foundation
import MoELoRA
import Testing
import Training

@Suite("Service: evolution trains also on the expert's original data")
struct EvolutionOriginalDataTests {
    @Test func aRecordedTrainingFileIsUsedAgainAndAChangedOneIsNot() throws {
        let service = try ServiceHarness(auditRate: 0, sampleRate: 0.5)
        defer { service.remove() }
        // The original data: 300 texts with the cue words, in a task folder of its own.
        let folder = service.state.appendingPathComponent("data/spam")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let original = EvolutionRoutesTests.texts(300, seed: 11)
        let lines = try original.map {
            String(decoding: try JSONEncoder().encode(["text": $0.text, "label": $0.label]), as: UTF8.self)
        }
        let file = folder.appendingPathComponent("train.jsonl")
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: file)
        let source = try TrainingSource.of(folder: folder.path, named: "spam", examples: original.count)
        // Version 2 of spam records it.
        let expert = try #require(service.tiny.tasks.first { $0.name == "spam" })
        var metadata = expert.metadata
        metadata.version = 2
        metadata.training = TrainingSource.record("{\"epochs\":1}", adding: source)
        let bytes = try ExpertFile.serialized(expert.with(metadata: metadata))
        #expect(service.request("PUT", "/v1/experts/spam", raw: bytes)?.status == 201)
        #expect(
            service.request("PUT", "/v1/tasks/spam/evolution", body: "{\"epochs\": 2, \"shadow_verdicts\": 0}")?.status
                == 200)
        _ = try EvolutionRoutesTests.reviewEverything(service, task: "spam", EvolutionRoutesTests.texts(160, seed: 12))

        let (first, run) = try service.json("POST", "/v1/tasks/spam/evolve", "{}")
        #expect(first == 202, "\(run)")
        let done = try EvolutionRoutesTests.waitForRun(service, task: "spam")
        let reasons = done["reasons"] as? [String] ?? []
        #expect(reasons.first?.contains("trained also on texts the expert was first trained on") == true, "\(reasons)")
        let metrics = try #require(done["metrics"] as? [String: Any])
        let train = try #require(metrics["train"] as? Int)
        #expect(metrics["original"] as? Int == min(300, max(train, 100)), "\(metrics)")

        // The file changes: the next run (on the promoted version, which carries the record, or on version 2)
        // trains on verdicts only and says why.
        try Data((lines.dropFirst().joined(separator: "\n") + "\n").utf8).write(to: file)
        let (second, _) = try service.json("POST", "/v1/tasks/spam/evolve", "{}")
        #expect(second == 202)
        let again = try EvolutionRoutesTests.waitForRun(service, task: "spam")
        #expect((again["reasons"] as? [String])?.first?.contains("checksum differs") == true, "\(again)")
        #expect((again["metrics"] as? [String: Any])?["original"] as? Int == 0)

        // Left out by the policy.
        #expect(service.request("PUT", "/v1/tasks/spam/evolution", body: "{\"original_data\": false}")?.status == 200)
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: file)
        #expect(try service.json("POST", "/v1/tasks/spam/evolve", "{}").0 == 202)
        let off = try EvolutionRoutesTests.waitForRun(service, task: "spam")
        #expect((off["reasons"] as? [String])?.first?.contains("the policy leaves out") == true, "\(off)")
    }
}
