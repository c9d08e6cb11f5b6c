// Golden test: pooled embeddings of the real base model against sentence-transformers (Tests/Fixtures/README.md).

import Foundation
import ModelFormats
import TestSupport
import Testing
import Tokenization
import Transformer

@Suite("Encoder goldens", .enabled(if: TestPaths.baseModel != nil, "base model not fetched: run make setup"))
struct EncoderGoldenTests {
    @Test("pooled embeddings within 1e-4 of sentence-transformers on 256 real texts up to 256 tokens")
    func pooledEmbeddingsMatch() throws {
        let folder = try #require(TestPaths.baseModel).path
        let encoder = try BertEncoder.load(folder: folder)
        let tokenizer = try BertTokenizer.load(folder: folder)
        #expect(tokenizer.maxLength == 256)
        let records = try TestPaths.jsonLines(TestPaths.fixtures.appendingPathComponent("encoder/texts.jsonl"))
        let golden = try SafeTensorsFile(
            path: TestPaths.fixtures.appendingPathComponent("encoder/embeddings.safetensors").path
        )
        .tensor("pooled")
        let d = encoder.config.hiddenSize
        #expect(golden.shape == [records.count, d])
        #expect(records.count >= 200)
        var worst: Float = 0
        var longest = 0
        for start in stride(from: 0, to: records.count, by: 32) {
            let chunk = records[start..<min(records.count, start + 32)]
            let ids = try chunk.map { tokenizer.encode(try #require($0["text"] as? String)) }
            for (seq, record) in zip(ids, chunk) { #expect(seq.count == record["tokens"] as? Int) }
            longest = max(longest, ids.map(\.count).max() ?? 0)
            let vectors = try encoder.pooled(sequences: ids)
            for (i, v) in vectors.enumerated() {
                let row = golden.data[(start + i) * d..<(start + i + 1) * d]
                worst = max(worst, zip(v, row).map { abs($0 - $1) }.max() ?? .infinity)
            }
        }
        #expect(longest == 256)
        #expect(worst < 1e-4, "max abs difference \(worst)")
    }
}
