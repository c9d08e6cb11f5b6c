// The fast packed forward pass against the naive padded reference, batching invariants and input errors.

import Foundation
import TensorCore
import TestSupport
import Testing
import Transformer

@Suite("BertEncoder forward")
final class BertEncoderTests {
    let model = TinyBert(seed: 7)
    let folder = TestPaths.temporaryFolder("tinybert")
    let encoder: BertEncoder

    init() throws {
        try model.write(to: folder)
        encoder = try BertEncoder.load(folder: folder.path)
    }

    deinit { try? FileManager.default.removeItem(at: folder) }

    /// Sequences of several lengths (with [CLS]=2 ... [SEP]=3), including length 1 and the position limit.
    var sequences: [[Int32]] {
        var rng = SplitMix64(seed: 3)
        return [1, 2, 5, 9, 17, 24].map { n in
            (0..<n).map { i in i == 0 ? 2 : (i == n - 1 ? 3 : Int32(5 + rng.next() % 35)) }
        }
    }

    @Test("packed forward equals the naive masked padded reference within 1e-4")
    func matchesReference() throws {
        let seqs = sequences
        let L = seqs.map(\.count).max()!
        let padded = seqs.map { $0 + [Int32](repeating: 0, count: L - $0.count) }
        let mask = seqs.map { [Int32](repeating: 1, count: $0.count) + [Int32](repeating: 0, count: L - $0.count) }
        let expected = ReferenceBert(model: model).pooled(ids: padded, mask: mask)
        let got = try encoder.pooled(sequences: seqs)
        var worst = 0.0
        for (e, g) in zip(expected, got) {
            for (a, b) in zip(e, g) { worst = max(worst, abs(a - Double(b))) }
        }
        #expect(worst < 1e-4, "max abs difference \(worst)")
    }

    @Test("a padded batch with its mask gives the same embeddings as the unpadded sequences")
    func paddedBatchEqualsPacked() throws {
        let seqs = sequences
        let L = seqs.map(\.count).max()!
        let ids = seqs.flatMap { $0 + [Int32](repeating: 0, count: L - $0.count) }
        let mask = seqs.flatMap { [Int32](repeating: 1, count: $0.count) + [Int32](repeating: 0, count: L - $0.count) }
        let packed = PackedBatch(paddedIds: ids, mask: mask, batchSize: seqs.count, length: L)
        #expect(packed == PackedBatch(sequences: seqs))
        let fromPadded = try encoder.pooled(packed)
        let fromSequences = try encoder.pooled(sequences: seqs)
        #expect(fromPadded == fromSequences)
    }

    @Test("each sequence embedded alone equals its row in a batch")
    func batchInvariance() throws {
        let seqs = sequences
        let batch = try encoder.pooled(sequences: seqs)
        for (i, seq) in seqs.enumerated() {
            let alone = try encoder.pooled(sequences: [seq])[0]
            let diff = zip(alone, batch[i]).map { abs($0 - $1) }.max()!
            #expect(diff < 1e-5, "sequence \(i): \(diff)")
        }
    }

    @Test("normalised embeddings have unit length and the same direction")
    func normalisation() throws {
        let raw = try encoder.pooled(sequences: sequences)
        let unit = try encoder.pooled(sequences: sequences, normalize: true)
        for (r, u) in zip(raw, unit) {
            let norm = r.reduce(0) { $0 + $1 * $1 }.squareRoot()
            #expect(abs(u.reduce(0) { $0 + $1 * $1 } - 1) < 1e-5)
            #expect(zip(r, u).allSatisfy { abs($0 / norm - $1) < 1e-5 })
        }
    }

    @Test("bad input ids are rejected with a clear error")
    func inputErrors() throws {
        #expect(throws: TransformerError.tokenOutOfRange(id: 40, vocabularySize: 40)) {
            try encoder.pooled(sequences: [[2, 40, 3]])
        }
        #expect(throws: TransformerError.tokenOutOfRange(id: -1, vocabularySize: 40)) {
            try encoder.pooled(sequences: [[2, -1, 3]])
        }
        #expect(throws: TransformerError.sequenceTooLong(length: 25, maxPositions: 24)) {
            try encoder.pooled(sequences: [[Int32](repeating: 5, count: 25)])
        }
        #expect(throws: TransformerError.emptySequence(index: 1)) { try encoder.pooled(sequences: [[2, 3], []]) }
        #expect(try encoder.pooled(sequences: []).isEmpty)
    }
}
