// Golden tests: byte-level BPE ids against Hugging Face `tokenizers`: SmolLM2's tokenizer as transformers builds
// it from the GGUF file, on every test text of ../shared/data, and a small trained tokenizer.json
// (Tests/Fixtures/bpe, scripts/reference/make_bpe_goldens.py).

import Foundation
import ModelFormats
import TestSupport
import Testing
import Tokenization

@Suite("Byte-level BPE goldens")
struct ByteLevelBPEGoldenTests {
    static func smolLM2() throws -> ByteLevelBPETokenizer {
        try ByteLevelBPETokenizer.fromGGUF(GGUFFile(path: try #require(TestPaths.llmGGUF).path), maxLength: 512)
    }

    @Test(.enabled(if: TestPaths.llmGGUF != nil, "LLM base not fetched: run make setup"))
    func smolLM2SamplesMatch() throws {
        let tokenizer = try Self.smolLM2()
        let samples = try TestPaths.jsonLines(TestPaths.fixtures.appendingPathComponent("bpe/samples.jsonl"))
        #expect(samples.count >= 290)
        for sample in samples {
            let text = try #require(sample["text"] as? String)
            let expected = try #require(sample["ids"] as? [Int]).map { Int32($0) }
            #expect(tokenizer.encode(text, truncate: false) == expected, "text: \(text.debugDescription)")
        }
        #expect(tokenizer.encode("<|im_start|>user\nhi<|im_end|>", truncate: false) == [1, 4093, 198, 6004, 2])
        #expect(tokenizer.padId == 2)
    }

    @Test(
        .enabled(if: TestPaths.llmGGUF != nil, "LLM base not fetched: run make setup"),
        .enabled(if: TestPaths.sharedData != nil, "../shared/data is absent"))
    func smolLM2MatchesOnEveryTestText() throws {
        let tokenizer = try Self.smolLM2()
        let data = try #require(TestPaths.sharedData)
        let goldenDir = TestPaths.fixtures.appendingPathComponent("bpe")
        let files = try FileManager.default.contentsOfDirectory(atPath: goldenDir.path)
            .filter { $0.hasSuffix(".txt") }.sorted()
        #expect(files.count == 10)
        var compared = 0
        var mismatches: [String] = []
        for file in files {
            let parts = file.dropLast(4).components(separatedBy: "__")
            let texts = try TestPaths.jsonLines(data.appendingPathComponent("\(parts[0])/\(parts[1])/test.jsonl"))
                .map { $0["text"] as? String ?? "" }
            let goldens = try String(contentsOf: goldenDir.appendingPathComponent(file), encoding: .utf8)
                .split(separator: "\n").filter { !$0.hasPrefix("#") }
            #expect(goldens.count == texts.count, "\(file): \(goldens.count) goldens for \(texts.count) texts")
            for (line, (text, golden)) in zip(texts, goldens).enumerated() {
                let fields = golden.split(separator: " ")
                let ids = tokenizer.encode(text, truncate: false)
                if ids.count != Int(fields[0]) || String(fnv1a64(ids), radix: 16).leftPadded(to: 16) != fields[1] {
                    mismatches.append("\(file) line \(line + 1): \(text.debugDescription) → \(ids)")
                }
                compared += 1
            }
        }
        #expect(compared > 10_000)
        #expect(mismatches.isEmpty, "\(mismatches.count) of \(compared) texts differ; first: \(mismatches.prefix(3))")
    }

    @Test func aTrainedTokenizerJSONMatches() throws {
        let path = TestPaths.fixtures.appendingPathComponent("bpe/tiny/tokenizer.json").path
        let tokenizer = try ByteLevelBPETokenizer.fromTokenizerJSON(path: path, maxLength: 64)
        #expect(tokenizer.preTokenizer.individualDigits)
        let samples = try TestPaths.jsonLines(TestPaths.fixtures.appendingPathComponent("bpe/tiny/samples.jsonl"))
        #expect(samples.count > 200)
        for sample in samples {
            let text = try #require(sample["text"] as? String)
            let expected = try #require(sample["ids"] as? [Int]).map { Int32($0) }
            #expect(tokenizer.encode(text, truncate: false) == expected, "text: \(text.debugDescription)")
            #expect(tokenizer.encode(text, truncate: true) == Array(expected.prefix(64)))
        }
    }
}
