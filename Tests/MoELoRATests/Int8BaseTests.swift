// `--precision int8` on the real base: embeddings stay close to fp32 on real texts and the MoE-CL invariants hold in
// int8 (the decoder's int8 path: DecoderInt8Tests).

import Foundation
import MoELoRA
import TensorCore
import TestSupport
import Testing
import Transformer

@Suite("int8 base")
struct Int8BaseTests {
    func cosine(_ a: [Float], _ b: [Float]) -> Double {
        var dot = 0.0, na = 0.0, nb = 0.0
        for (x, y) in zip(a, b) {
            dot += Double(x) * Double(y)
            na += Double(x) * Double(x)
            nb += Double(y) * Double(y)
        }
        return dot / (na * nb).squareRoot()
    }

    @Test(
        "mean embedding cosine to fp32 at least 0.999 on 64 real texts (sms-spam test split, ../shared/data)",
        .enabled(if: TestPaths.baseModel != nil, "base model not fetched: run make setup"),
        .enabled(if: TestPaths.sharedData != nil, "../shared/data is absent"))
    func embeddingsStayClose() throws {
        let base = try BaseModel.load(path: try #require(TestPaths.baseModel).path)
        let int8 = try BaseModel.load(path: try #require(TestPaths.baseModel).path, precision: .int8)
        let file = try #require(TestPaths.sharedData).appendingPathComponent("moderation-en/sms-spam/test.jsonl")
        let texts = try TestPaths.jsonLines(file).prefix(64).compactMap { $0["text"] as? String }
        let sequences = texts.map { base.tokenizer.encode($0) }
        let fp32Encoder = try #require(base.encoder), int8Encoder = try #require(int8.encoder)
        #expect(fp32Encoder.precision == .fp32 && int8Encoder.precision == .int8)
        let a = try fp32Encoder.pooled(sequences: sequences), b = try int8Encoder.pooled(sequences: sequences)
        let cosines = zip(a, b).map(cosine)
        let mean = cosines.reduce(0, +) / Double(cosines.count)
        #expect(mean >= 0.999, "mean cosine \(mean), lowest \(cosines.min()!)")
    }

    @Test(
        "in int8, zero experts leave the base's hidden states unchanged bit for bit, and trained ones change them",
        .enabled(if: TestPaths.baseModel != nil, "base model not fetched: run make setup"))
    func invariants() throws {
        let base = try BaseModel.load(path: try #require(TestPaths.baseModel).path, precision: .int8)
        let batch = PackedBatch(sequences: [[101, 2023, 2003, 1037, 3231, 102], [101, 4965, 2085, 999, 102]])
        let bare = try base.backbone.hiddenStates(batch, feedForward: nil)
        let zero = RandomExperts.task(name: "zero", base: base, bScale: 0, seed: 9)
        let identity = try ExpertSnapshot(
            base: base, shared: RandomExperts.shared(base: base, bScale: 0, seed: 10), tasks: [zero])
        #expect(try identity.hiddenStates(batch, experts: [zero, zero]) == bare)
        let task = RandomExperts.task(name: "t", base: base, bScale: 0.05, seed: 2)
        let snapshot = try ExpertSnapshot(
            base: base, shared: RandomExperts.shared(base: base, bScale: 0.05, seed: 1), tasks: [task])
        let moe = try snapshot.hiddenStates(batch, experts: [task, task])
        #expect(zip(moe, bare).map { abs($0 - $1) }.max()! > 1e-3)
    }
}
