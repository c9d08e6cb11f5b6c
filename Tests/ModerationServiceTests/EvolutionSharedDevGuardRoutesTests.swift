// Shared mode's guard on other tasks' dev data, in-process: an expert that records its training file has the dev
// split beside it scored before and after a shared-mode candidate, and the run reports it.

import Foundation
import MoELoRA
import Testing
import Training

@Suite("Service: shared-mode runs measure other tasks on their dev data")
struct EvolutionSharedDevGuardTests {
    @Test func anotherTasksDevSplitIsScoredBeforeAndAfter() throws {
        let service = try ServiceHarness(auditRate: 0, sampleRate: 0.5)
        defer { service.remove() }
        // spam's training file, with a dev split of 40 texts beside it.
        let folder = service.state.appendingPathComponent("data/spam")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        func write(_ texts: [(text: String, label: String)], _ name: String) throws {
            let lines = try texts.map {
                String(decoding: try JSONEncoder().encode(["text": $0.text, "label": $0.label]), as: UTF8.self)
            }
            try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: folder.appendingPathComponent(name))
        }
        try write(EvolutionRoutesTests.texts(100, seed: 31), "train.jsonl")
        try write(EvolutionRoutesTests.texts(40, seed: 32), "dev.jsonl")
        let source = try TrainingSource.of(folder: folder.path, named: "spam", examples: 100)
        let expert = try #require(service.tiny.tasks.first { $0.name == "spam" })
        var metadata = expert.metadata
        metadata.version = 2
        metadata.training = TrainingSource.record("{\"epochs\":1}", adding: source)
        #expect(
            service.request("PUT", "/v1/experts/spam", raw: try ExpertFile.serialized(expert.with(metadata: metadata)))?
                .status == 201)

        let create =
            "{\"task\": \"fresh\", \"labels\": [\"compliant\", \"violating\"], \"compliant_label\": \"compliant\"}"
        #expect(service.request("POST", "/v1/tasks", body: create)?.status == 201)
        #expect(
            service.request(
                "PUT", "/v1/tasks/fresh/evolution",
                body: "{\"epochs\": 2, \"mode\": \"shared\", \"shadow_verdicts\": 0}"
            )?.status == 200)
        _ = try EvolutionRoutesTests.reviewEverything(service, task: "fresh", EvolutionRoutesTests.texts(160, seed: 33))
        #expect(try service.json("POST", "/v1/tasks/fresh/evolve", "{}").0 == 202)
        let run = try EvolutionRoutesTests.waitForRun(service, task: "fresh")
        let metrics = try #require(run["metrics"] as? [String: Any], "\(run)")
        let dev = try #require(metrics["other_tasks_dev"] as? [String: [String: Any]], "\(metrics)")
        #expect(dev["spam"]?["samples"] as? Int == 40)
        #expect(dev.keys.sorted() == ["spam"], "only experts whose training file is found have dev data")
        let before = try #require(dev["spam"]?["before"] as? Double),
            after = try #require(dev["spam"]?["after"] as? Double)
        #expect((0...1).contains(before) && (0...1).contains(after))
        let reasons = run["reasons"] as? [String] ?? []
        #expect(
            (before - after > 0.005)
                == reasons.contains { $0.contains("task 'spam' would lose") && $0.contains("on its dev data") },
            "\(reasons)")
    }
}
