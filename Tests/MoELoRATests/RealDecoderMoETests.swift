// MoE-CL on the real decoder base (SmolLM2-135M-Instruct from its GGUF file: 30 blocks, d 576, f 1536) with random
// rank-8 experts: the invariants at production size, the prompt framing, and experts refused across families.

import Foundation
import MoELoRA
import TestSupport
import Testing
import Transformer

@Suite("MoE-CL on the real decoder", .enabled(if: TestPaths.llmGGUF != nil, "LLM base not fetched: run make setup"))
struct RealDecoderMoETests {
    static let base = Result { try BaseModel.load(path: try #require(TestPaths.llmGGUF).path) }

    @Test func invariantsHoldAtProductionSizes() throws {
        let base = try Self.base.get()
        #expect(base.shape.family == .llama && base.shape.layers == 30)
        #expect(base.shape.hiddenSize == 576 && base.shape.intermediateSize == 1536)
        let shared = RandomExperts.shared(base: base, bScale: 0.05, seed: 1)
        let tasks = (0..<2).map { RandomExperts.task(name: "t\($0)", base: base, bScale: 0.05, seed: UInt64(2 + $0)) }
        let snapshot = try ExpertSnapshot(base: base, shared: shared, tasks: tasks)
        let texts = ["Click here to win a free phone!!!", "Great video, thanks for sharing."]
        let seqs = texts.map { snapshot.encode($0, task: "t0").ids }
        let batch = PackedBatch(sequences: seqs)
        let fast = try snapshot.hiddenStates(batch, experts: tasks, form: .efficient)
        let naive = try snapshot.hiddenStates(batch, experts: tasks, form: .reference)
        let diff = zip(fast, naive).reduce(Float(0)) { max($0, abs($1.0 - $1.1)) }
        let scale = naive.reduce(Float(0)) { max($0, abs($1)) }
        #expect(diff <= 1e-4 * scale, "max |efficient − naive| = \(diff), max |naive| = \(scale)")
        let bare = try base.backbone.hiddenStates(batch, feedForward: nil)
        #expect(zip(fast, bare).reduce(Float(0)) { max($0, abs($1.0 - $1.1)) } > 1e-3)
        let zero = RandomExperts.task(name: "zero", base: base, bScale: 0, seed: 9)
        let identity = try ExpertSnapshot(
            base: base, shared: RandomExperts.shared(base: base, bScale: 0, seed: 10), tasks: [zero])
        #expect(try identity.hiddenStates(batch, experts: [zero, zero]) == bare)
    }

    @Test func textsAreFramedAndCutKeepingTheAnswerCue() throws {
        let base = try Self.base.get()
        let cue = base.tokenizer.encode("\nAnswer:", truncate: false)
        let short = base.encode("hello there", template: .moderation, truncate: true)
        #expect(short == base.tokenizer.encode("Comment: hello there\nAnswer:", truncate: false))
        let long = String(repeating: "spam and eggs ", count: 400)
        let cut = base.encode(long, template: .moderation, truncate: true)
        #expect(cut.count == base.tokenizer.maxLength && Array(cut.suffix(cue.count)) == cue)
    }

    @Test(.enabled(if: TestPaths.baseModel != nil, "base model not fetched: run make setup"))
    func expertsOfTheOtherFamilyAreRefusedBothWays() throws {
        let llama = try Self.base.get()
        let bert = try BaseModel.load(path: try #require(TestPaths.baseModel).path)
        for (from, to) in [(bert, llama), (llama, bert)] {
            let bytes = try ExpertFile.serialized(RandomExperts.task(name: "spam", base: from, seed: 4))
            #expect {
                _ = try ExpertFile.readTask(bytes: bytes, name: "upload", base: to)
            } throws: { error in
                guard case ExpertError.baseFamilyMismatch(_, let expert, let loaded) = error else { return false }
                return expert == from.shape.family.rawValue && loaded == to.shape.family.rawValue
                    && "\(error)".contains("an expert only runs on the base it was trained on")
            }
        }
    }
}
