// `moecl serve --model <the SmolLM2 GGUF file>`: the binary serves a bundle trained for the decoder (random experts
// here), frames texts with the task's prompt, and refuses a MiniLM-family expert upload with a 422 that says why.

import Foundation
import MoELoRA
import TestSupport
import Testing

@Suite(
    "moecl serve on the GGUF decoder (binary)",
    .enabled(if: TestPaths.llmGGUF != nil, "LLM base not fetched: run make setup"))
struct ServeDecoderTests {
    @Test func servesTheGGUFBaseAndRefusesAnExpertOfTheOtherFamily() throws {
        let gguf = try #require(TestPaths.llmGGUF).path
        let base = try BaseModel.load(path: gguf)
        let folder = TestPaths.temporaryFolder("moecl-serve-gguf")
        let tiny = try TinyMoE()
        defer {
            try? FileManager.default.removeItem(at: folder)
            tiny.remove()
        }
        let bundle = folder.appendingPathComponent("bundle").path
        try ExpertBundle.write(
            shared: RandomExperts.shared(base: base, seed: 1),
            tasks: [RandomExperts.task(name: "spam", base: base, seed: 2)],
            to: bundle)
        let server = try ServeCommandTests.Server(arguments: ["--model", gguf, "--experts", bundle])
        var stopped = false
        defer { if !stopped { _ = server.stop() } }
        var ready = 0
        for _ in 0..<600 where ready != 200 {
            ready = server.request("GET", "/readyz")?.status ?? 0
            if ready != 200 { usleep(100_000) }
        }
        #expect(ready == 200)
        let text = "WINNER!! You have won a free cruise"
        let (status, body) = try server.json("POST", "/v1/classify", "{\"task\": \"spam\", \"text\": \"\(text)\"}")
        let result = (body["results"] as? [[String: Any]])?.first
        #expect(status == 200 && result?["decision"] as? String == "review", "\(body)")
        #expect(result?["tokens"] as? Int == base.encode(text, template: .moderation, truncate: true).count)
        let bert = try #require(tiny.tasks.first { $0.name == "spam" })
        let refused = server.request("PUT", "/v1/experts/spam", raw: try ExpertFile.serialized(bert))
        #expect(refused?.status == 422, "\(refused?.body ?? "")")
        #expect(
            refused?.body.contains("trained on a bert base model, but the loaded base is a llama model") == true,
            "\(refused?.body ?? "")")
        // The shipped MiniLM experts predate `base_family`: they are read as BERT files and refused the same way.
        let shipped = try Data(
            contentsOf: TestPaths.packageRoot.appendingPathComponent("experts/default/tasks/sms-spam.safetensors"))
        let old = server.request("PUT", "/v1/experts/sms-spam", raw: Array(shipped))
        #expect(
            old?.status == 422 && old?.body.contains("trained on a bert base model") == true, "\(old?.body ?? "")")
        stopped = true
        #expect(server.stop() == 0)
    }
}
