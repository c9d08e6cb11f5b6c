// Golden tests: our WordPiece ids against Hugging Face `tokenizers` on real texts (see Tests/Fixtures/README.md).

import Foundation
import TestSupport
import Testing
import Tokenization

/// FNV-1a 64 over the ids as little-endian UInt32, the hash the golden script writes.
func fnv1a64(_ ids: [Int32]) -> UInt64 {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for id in ids {
        var v = UInt32(bitPattern: id)
        for _ in 0..<4 {
            h ^= UInt64(v & 0xFF)
            h = h &* 0x0000_0100_0000_01B3
            v >>= 8
        }
    }
    return h
}

@Suite("Tokenizer goldens", .enabled(if: TestPaths.baseModel != nil, "base model not fetched: run make setup"))
struct TokenizerGoldenTests {
    let tokenizer = try! BertTokenizer.load(folder: TestPaths.baseModel!.path)

    @Test("ids equal tokenizers' on the 300 committed sample texts")
    func samples() throws {
        let samples = try TestPaths.jsonLines(TestPaths.fixtures.appendingPathComponent("tokenizer/samples.jsonl"))
        #expect(samples.count >= 300)
        for sample in samples {
            let text = try #require(sample["text"] as? String)
            let expected = try #require(sample["ids"] as? [Int]).map { Int32($0) }
            let got = tokenizer.encode(text, truncate: false)
            #expect(got == expected, "text: \(text.debugDescription)")
        }
    }

    @Test(
        "ids equal tokenizers' on every test text of ../shared/data (untruncated and truncated to 256)",
        .enabled(if: TestPaths.sharedData != nil, "../shared/data is absent"))
    func everyTestText() throws {
        let data = try #require(TestPaths.sharedData)
        let goldenDir = TestPaths.fixtures.appendingPathComponent("tokenizer")
        let files = try FileManager.default.contentsOfDirectory(atPath: goldenDir.path)
            .filter { $0.hasSuffix(".txt") }.sorted()
        #expect(files.count == 10)
        var compared = 0, truncatedCompared = 0
        var mismatches: [String] = []
        for file in files {
            let parts = file.dropLast(4).components(separatedBy: "__")
            let source = data.appendingPathComponent("\(parts[0])/\(parts[1])/test.jsonl")
            let texts = try TestPaths.jsonLines(source).map { $0["text"] as? String ?? "" }
            let goldens = try String(contentsOf: goldenDir.appendingPathComponent(file), encoding: .utf8)
                .split(separator: "\n").filter { !$0.hasPrefix("#") }
            #expect(goldens.count == texts.count, "\(file): \(goldens.count) goldens for \(texts.count) texts")
            for (line, (text, golden)) in zip(texts, goldens).enumerated() {
                let fields = golden.split(separator: " ")
                let ids = tokenizer.encode(text, truncate: false)
                let hash = String(fnv1a64(ids), radix: 16).leftPadded(to: 16)
                if ids.count != Int(fields[0]) || hash != fields[1] {
                    mismatches.append("\(file) line \(line + 1): \(text.debugDescription) → \(ids.count) ids \(ids)")
                }
                compared += 1
                if fields.count == 3 {
                    let cut = tokenizer.encode(text, truncate: true)
                    if cut.count != 256 || String(fnv1a64(cut), radix: 16).leftPadded(to: 16) != fields[2] {
                        mismatches.append("\(file) line \(line + 1): truncated ids differ")
                    }
                    truncatedCompared += 1
                }
            }
        }
        #expect(compared > 10_000)
        #expect(truncatedCompared > 0)
        #expect(mismatches.isEmpty, "\(mismatches.count) of \(compared) texts differ; first: \(mismatches.prefix(5))")
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
