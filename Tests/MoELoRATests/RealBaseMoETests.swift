// The MoE-CL invariants on the real base model (all-MiniLM-L6-v2: d 384, f 1536) with random rank-8 experts.

import Foundation
import MoELoRA
import TestSupport
import Testing
import Transformer

@Suite("MoE-CL on the real base", .enabled(if: TestPaths.baseModel != nil, "base model not fetched: run make setup"))
struct RealBaseMoETests {
    @Test func invariantsHoldAtProductionSizes() throws {
        let base = try BaseModel.load(folder: try #require(TestPaths.baseModel).path)
        #expect(base.shape.hiddenSize == 384 && base.shape.intermediateSize == 1536)
        let shared = RandomExperts.shared(base: base, bScale: 0.05, seed: 1)
        let tasks = (0..<3).map { RandomExperts.task(name: "t\($0)", base: base, bScale: 0.05, seed: UInt64(2 + $0)) }
        let snapshot = try ExpertSnapshot(base: base, shared: shared, tasks: tasks)
        // Real-looking ids: CLS, word pieces from the vocabulary's common range, SEP.
        let seqs: [[Int32]] = [
            [101, 2023, 2003, 1037, 3231, 102], [101, 4965, 2085, 999, 102],
            [101, 1045, 2293, 2023, 2678, 2061, 2172, 999, 102],
        ]
        let batch = PackedBatch(sequences: seqs)
        let fast = try snapshot.hiddenStates(batch, experts: tasks, form: .efficient)
        let naive = try snapshot.hiddenStates(batch, experts: tasks, form: .reference)
        let diff = zip(fast, naive).reduce(Float(0)) { max($0, abs($1.0 - $1.1)) }
        #expect(diff < 1e-5, "max |efficient − naive| = \(diff)")
        let bare = try base.backbone.hiddenStates(batch, feedForward: nil)
        #expect(zip(fast, bare).reduce(Float(0)) { max($0, abs($1.0 - $1.1)) } > 1e-3)

        let zero = RandomExperts.task(name: "zero", base: base, bScale: 0, seed: 9)
        let zeroShared = RandomExperts.shared(base: base, bScale: 0, seed: 10)
        let identity = try ExpertSnapshot(base: base, shared: zeroShared, tasks: [zero])
        #expect(try identity.hiddenStates(batch, experts: [zero, zero, zero]) == bare)
    }
}
