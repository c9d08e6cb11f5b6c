// The decoder's int8 path (`--precision int8` on a Llama base): hidden states stay close to fp32 (a tiny random
// decoder, and SmolLM2 on real texts when its GGUF is fetched), and the MoE-CL invariants hold in int8.

import Foundation
import MoELoRA
import TensorCore
import TestSupport
import Testing
import Transformer

@Suite("decoder int8")
struct DecoderInt8Tests {
    static func cosine(_ a: ArraySlice<Float>, _ b: ArraySlice<Float>) -> Double {
        var dot = 0.0, na = 0.0, nb = 0.0
        for (x, y) in zip(a, b) {
            dot += Double(x) * Double(y)
            na += Double(x) * Double(x)
            nb += Double(y) * Double(y)
        }
        return dot / (na * nb).squareRoot()
    }

    /// The lowest cosine over tokens between two [N, d] hidden-state arrays.
    static func lowestCosine(_ a: [Float], _ b: [Float], d: Int) -> Double {
        stride(from: 0, to: a.count, by: d).map { cosine(a[$0..<($0 + d)], b[$0..<($0 + d)]) }.min() ?? 0
    }

    @Test("a tiny decoder's int8 hidden states keep a cosine of at least 0.999 to fp32 on every token, not equal")
    func tinyDecoderStaysClose() throws {
        let tiny = try TinyModelFolder(llamaSeed: 5, layers: 2)
        defer { tiny.remove() }
        let fp32 = try #require(tiny.base.decoder), int8 = fp32.with(precision: .int8)
        let batch = PackedBatch(sequences: [[1, 17, 250, 3, 99, 4], [5, 6, 7], [400, 2]])
        let a = try fp32.hiddenStates(batch), b = try int8.hiddenStates(batch)
        let lowest = Self.lowestCosine(a, b, d: fp32.config.hiddenSize)
        #expect(lowest >= 0.999 && a != b, "lowest cosine \(lowest)")
    }

    @Test("in int8, zero experts leave a decoder's hidden states unchanged bit for bit, and trained ones change them")
    func invariants() throws {
        let tiny = try TinyModelFolder(llamaSeed: 6, layers: 2)
        defer { tiny.remove() }
        let base = try BaseModel.load(path: tiny.path, precision: .int8)
        let batch = PackedBatch(sequences: [[1, 17, 250, 3, 99, 4], [5, 6, 7]])
        let bare = try base.backbone.hiddenStates(batch, feedForward: nil)
        let zero = RandomExperts.task(name: "zero", base: base, bScale: 0, seed: 9)
        let identity = try ExpertSnapshot(
            base: base, shared: RandomExperts.shared(base: base, bScale: 0, seed: 10), tasks: [zero])
        #expect(try identity.hiddenStates(batch, experts: [zero, zero]) == bare)
        let task = RandomExperts.task(name: "t", base: base, bScale: 0.05, seed: 2)
        let snapshot = try ExpertSnapshot(
            base: base, shared: RandomExperts.shared(base: base, bScale: 0.05, seed: 1), tasks: [task])
        let moe = try snapshot.hiddenStates(batch, experts: [task, task])
        #expect(zip(moe, bare).map { abs($0 - $1) }.max()! > 1e-4)
        let float = try ExpertSnapshot(
            base: try BaseModel.load(path: tiny.path, precision: .fp32),
            shared: RandomExperts.shared(base: base, bScale: 0.05, seed: 1), tasks: [task])
        let reference = try float.hiddenStates(batch, experts: [task, task])
        let lowest = Self.lowestCosine(moe, reference, d: base.shape.hiddenSize)
        #expect(lowest >= 0.999, "MoE-CL in int8 against fp32: lowest cosine \(lowest)")
    }

    @Test(
        "SmolLM2's last-token states in int8 keep a mean cosine of at least 0.999 to fp32 on 16 real texts",
        .enabled(if: TestPaths.llmGGUF != nil, "SmolLM2 GGUF not fetched: run make setup"),
        .enabled(if: TestPaths.sharedData != nil, "../shared/data is absent"))
    func smolLM2StaysClose() throws {
        let path = try #require(TestPaths.llmGGUF).path
        let fp32 = try BaseModel.load(path: path, precision: .fp32)
        let int8 = try BaseModel.load(path: path, precision: .int8)
        let file = try #require(TestPaths.sharedData).appendingPathComponent("moderation-en/sms-spam/test.jsonl")
        let texts = try TestPaths.jsonLines(file).prefix(16).compactMap { $0["text"] as? String }
        let batch = PackedBatch(sequences: texts.map { fp32.tokenizer.encode($0) })
        let a = try #require(fp32.decoder).lastHiddenStates(batch)
        let b = try #require(int8.decoder).lastHiddenStates(batch)
        let cosines = zip(a, b).map { Self.cosine($0[...], $1[...]) }
        let mean = cosines.reduce(0, +) / Double(cosines.count)
        #expect(mean >= 0.999, "mean cosine \(mean), lowest \(cosines.min() ?? 0)")
    }
}
