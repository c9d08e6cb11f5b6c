// The three invariants of moe-cl.md §2 on both base families (BERT's GELU FFN, Llama's SwiGLU FFN with its third
// adapter): efficient = naive, B = 0 gives the bare base, mixed batches = alone.

import MoELoRA
import TensorCore
import TestSupport
import Testing
import Transformer

@Suite("MoE-CL forward")
struct MoEForwardTests {
    /// Id sequences of several lengths (CLS … SEP) over the tiny vocabulary.
    static func sequences(count: Int, seed: UInt64 = 3) -> [[Int32]] {
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { i in
            let length = 1 + (i * 5 + Int(rng.next() % 7)) % 19
            return [2] + (0..<length).map { _ in Int32(5 + rng.next() % 35) } + [3]
        }
    }

    static func maxDifference(_ a: [Float], _ b: [Float]) -> Float {
        precondition(a.count == b.count)
        return zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
    }

    static let sizes: [(Int, Int, Bool)] = [(16, 24, false), (32, 64, false), (16, 24, true), (32, 64, true)]

    @Test(arguments: sizes)
    func efficientFormEqualsNaiveForm(hidden: Int, intermediate: Int, llama: Bool) throws {
        let moe = try TinyMoE(hidden: hidden, intermediate: intermediate, llama: llama)
        defer { moe.remove() }
        let snapshot = try moe.snapshot()
        let seqs = Self.sequences(count: 9)
        let tasks = seqs.indices.map { moe.tasks[$0 % 3] }
        // A gated unit's experts adapt W3 as well.
        #expect(tasks.allSatisfy { $0.expert.layers.allSatisfy { ($0.linear != nil) == llama } })
        let batch = PackedBatch(sequences: seqs)
        let fast = try snapshot.hiddenStates(batch, experts: tasks, form: .efficient)
        let naive = try snapshot.hiddenStates(batch, experts: tasks, form: .reference)
        #expect(Self.maxDifference(fast, naive) < 1e-5)
        // The experts matter: the result is not the bare encoder's.
        let bare = try moe.base.backbone.hiddenStates(batch, feedForward: nil)
        #expect(Self.maxDifference(fast, bare) > 1e-3)
        let names = tasks.map(\.name)
        let scoresFast = try snapshot.classify(batch, tasks: names, form: .efficient)
        let scoresNaive = try snapshot.classify(batch, tasks: names, form: .reference)
        for (a, b) in zip(scoresFast, scoresNaive) {
            #expect(a.labels == b.labels && Self.maxDifference(a.scores, b.scores) < 1e-5)
            #expect(abs(a.scores.reduce(0, +) - 1) < 1e-5)
        }
    }

    @Test(arguments: sizes)
    func zeroBGivesTheBareBaseExactly(hidden: Int, intermediate: Int, llama: Bool) throws {
        let moe = try TinyMoE(hidden: hidden, intermediate: intermediate, bScale: 0, llama: llama)
        defer { moe.remove() }
        let snapshot = try moe.snapshot()
        let seqs = Self.sequences(count: 7)
        let batch = PackedBatch(sequences: seqs)
        let tasks = seqs.indices.map { moe.tasks[$0 % 3] }
        #expect(tasks.allSatisfy { $0.expert.isIdentity } && moe.shared.expert.isIdentity)
        let moeHidden = try snapshot.hiddenStates(batch, experts: tasks)
        let bare = try moe.base.backbone.hiddenStates(batch, feedForward: nil)
        #expect(moeHidden == bare)  // bit for bit, whatever the (random, non-trivial) gates
    }

    @Test(arguments: [false, true])
    func mixedTaskBatchEqualsEachTaskAlone(llama: Bool) throws {
        let moe = try TinyMoE(hidden: 32, intermediate: 64, llama: llama)
        defer { moe.remove() }
        let snapshot = try moe.snapshot()
        let seqs = Self.sequences(count: 12, seed: 11)
        let names = seqs.indices.map { moe.tasks[($0 * 7) % 3].name }
        let mixed = try snapshot.classify(sequences: seqs, tasks: names)
        for name in Set(names) {
            let mine = seqs.indices.filter { names[$0] == name }
            let alone = try snapshot.classify(sequences: mine.map { seqs[$0] }, tasks: mine.map { _ in name })
            for (k, s) in mine.enumerated() {
                #expect(alone[k].task == mixed[s].task && alone[k].labels == mixed[s].labels)
                #expect(Self.maxDifference(alone[k].scores, mixed[s].scores) < 1e-5)
            }
        }
        // One sequence at a time gives the same as well.
        for s in [0, 5, 11] {
            let single = try snapshot.classify(sequences: [seqs[s]], tasks: [names[s]])
            #expect(Self.maxDifference(single[0].scores, mixed[s].scores) < 1e-5)
        }
    }

    @Test func differentTasksGiveDifferentScoresForTheSameText() throws {
        let moe = try TinyMoE()
        defer { moe.remove() }
        let snapshot = try moe.snapshot()
        let seq = Self.sequences(count: 1)[0]
        let out = try snapshot.classify(sequences: [seq, seq, seq], tasks: ["spam", "hate", "topic"])
        #expect(out.map(\.labels.count) == [2, 2, 3])
        #expect(Self.maxDifference(out[0].scores, out[1].scores) > 1e-4)
        #expect(out[2].labels.contains(out[2].label))
    }

    @Test func unknownTaskIsAClearError() throws {
        let moe = try TinyMoE()
        defer { moe.remove() }
        let snapshot = try moe.snapshot()
        #expect(throws: ExpertError.unknownTask(task: "nope", known: snapshot.taskNames)) {
            _ = try snapshot.classify(sequences: [[2, 7, 3]], tasks: ["nope"])
        }
        let message = ExpertError.unknownTask(task: "nope", known: ["spam", "hate"]).description
        #expect(message.contains("loaded: hate, spam"))
    }
}
