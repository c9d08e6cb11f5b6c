// The service on a decoder base (a tiny random Llama with the tiny byte-level BPE tokenizer): the walk-through's
// classify, review, verdict, hot-load and rollback answer as on BERT, texts are framed by the task's prompt
// template, and an expert of the other family is refused with a 422 that says why.

import Foundation
import HTTPCore
import MoELoRA
import TestSupport
import Testing

@Suite("Service on a Llama base")
struct LlamaBaseRoutesTests {
    @Test func walkThroughAnswersOnADecoderBase() throws {
        let service = try ServiceHarness(tiny: try TinyMoE(llama: true), auditRate: 0)
        defer {
            service.remove()
            service.tiny.remove()
        }
        #expect(service.tiny.base.shape.family == .llama)
        let (status, body) = try service.json(
            "POST", "/v1/classify", #"{"texts": ["free money, click here now", "see you at lunch"], "tasks": ["spam"]}"#
        )
        #expect(status == 200, "\(body)")
        let results = try #require(body["results"] as? [[String: Any]])
        #expect(results.count == 2)
        // The prompt frames the text: its tokens count beyond the bare text's.
        let bare = service.tiny.base.tokenizer.encode("see you at lunch").count
        let framed = try #require(results[1]["tokens"] as? Int)
        #expect(framed > bare, "framed \(framed) tokens, bare text \(bare)")
        #expect(
            framed
                == service.tiny.base.encode("see you at lunch", template: .moderation, truncate: true).count)
        // Uncalibrated random experts send everything to review; a reviewer claims and decides.
        let claim = try service.json("POST", "/v1/review/claim", #"{"reviewer": "r1", "limit": 1}"#)
        let items = try #require(claim.1["items"] as? [[String: Any]], "\(claim.1)")
        let id = try #require(items.first?["id"] as? Int)
        let verdict = service.request(
            "POST", "/v1/review/\(id)/verdict", body: #"{"reviewer": "r1", "label": "violating"}"#)
        #expect(verdict?.status == 201, "\(verdict?.body ?? "")")
        // Hot-load a new version, then roll back.
        let put = service.request("PUT", "/v1/experts/spam", raw: try service.expertFile(task: "spam", version: 2))
        #expect(put?.status == 201, "\(put?.body ?? "")")
        let back = service.request("POST", "/v1/experts/spam/rollback")
        #expect(back?.status == 200 && back?.body.contains("\"version\":1") == true, "\(back?.body ?? "")")
    }

    @Test(arguments: [true, false])
    func anExpertOfTheOtherFamilyIsRefused(serviceOnLlama: Bool) throws {
        let service = try ServiceHarness(tiny: try TinyMoE(llama: serviceOnLlama))
        let other = try TinyMoE(llama: !serviceOnLlama)
        defer {
            service.remove()
            service.tiny.remove()
            other.remove()
        }
        let spam = try #require(other.tasks.first { $0.name == "spam" })
        var metadata = spam.metadata
        metadata.version = 5
        let r = service.request(
            "PUT", "/v1/experts/spam", raw: try ExpertFile.serialized(spam.with(metadata: metadata)))
        let family = serviceOnLlama ? "bert" : "llama", loaded = serviceOnLlama ? "llama" : "bert"
        #expect(r?.status == 422, "\(r?.body ?? "")")
        #expect(
            r?.body.contains("trained on a \(family) base model, but the loaded base is a \(loaded) model") == true,
            "\(r?.body ?? "")")
        let (_, experts) = try service.json("GET", "/v1/experts")
        let entry = (experts["tasks"] as? [[String: Any]])?.first { $0["task"] as? String == "spam" }
        #expect(entry?["version"] as? Int == 1)
    }
}
