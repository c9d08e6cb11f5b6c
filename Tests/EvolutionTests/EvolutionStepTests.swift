// One evolution step on a tiny random MoE: a learnable task, trained from verdicts in `task` mode, improves and
// leaves every other task's scores bit-identical; too few verdicts are refused.

import Evolution
import MoELoRA
import TensorCore
import TestSupport
import Testing

@Suite("EvolutionStep")
struct EvolutionStepTests {
    /// Whole words of the tiny BERT's vocabulary (each one WordPiece id): word(k) is the k-th.
    static let words = TinyBert().vocabulary.dropFirst(5).filter { !$0.hasPrefix("##") }
    static func word(_ k: Int) -> String { words[k % words.count] }

    /// Verdicts whose label is violating exactly when the text holds word(1); every other one sampled.
    static func verdicts(_ n: Int, seed: UInt64) -> [LabelledVerdict] {
        var rng = SplitMix64(seed: seed)
        return (1...n).map { i in
            let violating = rng.next() % 2 == 0
            let noise = (0..<(1 + Int(rng.next() % 4))).map { _ in word(4 + Int(rng.next() % 20)) }
            let words = ([violating ? word(1) : word(2)] + noise).shuffled(using: &rng)
            return LabelledVerdict(
                id: Int64(i), text: words.joined(separator: " "), label: violating ? "violating" : "compliant",
                sampled: i % 2 == 0)
        }
    }

    /// On both base families (the tiny Llama reads the verdicts through its BPE tokenizer and prompt template).
    @Test(arguments: [false, true])
    func taskModeImprovesTheTaskAndLeavesOtherTasksBitIdentical(llama: Bool) throws {
        let moe = try TinyMoE(llama: llama)
        defer { moe.remove() }
        let snapshot = try moe.snapshot()
        var policy = EvolutionPolicy()
        policy.epochs = 12
        policy.minVerdicts = 50
        let step = EvolutionStep(snapshot: snapshot, policy: policy, seed: 3)
        let outcome = try step.run(task: "spam", verdicts: Self.verdicts(400, seed: 5), lineage: "{}")
        #expect(outcome.shared == nil)
        #expect(outcome.candidate.version == snapshot.tasks["spam"]!.version + 1)
        #expect(outcome.heldBackCount > 60 && outcome.trainCount > 150)
        let a = outcome.assessment
        #expect(a.candidate.accuracy > a.current.accuracy + 0.2, "\(a.current.accuracy) → \(a.candidate.accuracy)")
        #expect(outcome.candidate.metadata.calibration == a.calibration)
        // The candidate is a valid expert file, with its lineage in the training record.
        let back = try ExpertFile.readTask(
            bytes: try ExpertFile.serialized(outcome.candidate), name: "c", base: moe.base)
        #expect(back.version == outcome.candidate.version && back.metadata.training.contains("\"evolution\":{}"))
        // Other tasks: the same scores, bit for bit, under the snapshot with the candidate.
        let next = try snapshot.adding(outcome.candidate)
        let texts: [[Int32]] = (0..<12).map { i in
            let words: [Int32] = (0..<(1 + i % 5)).map { k in Int32(5 + (k * 7 + i) % 30) }
            return [2] + words + [3]
        }
        for task in ["hate", "topic"] {
            let tasks = [String](repeating: task, count: texts.count)
            let before = try snapshot.classify(sequences: texts, tasks: tasks).map(\.scores)
            let after = try next.classify(sequences: texts, tasks: tasks).map(\.scores)
            #expect(before == after, "task \(task)")
        }
        #expect(next.shared === snapshot.shared)
    }

    @Test func tooFewVerdictsAreRefused() throws {
        let moe = try TinyMoE()
        defer { moe.remove() }
        let step = EvolutionStep(snapshot: try moe.snapshot(), policy: EvolutionPolicy())
        #expect(throws: EvolutionStep.Refusal.self) {
            try step.run(task: "spam", verdicts: Self.verdicts(20, seed: 1), lineage: "{}")
        }
        #expect(throws: EvolutionStep.Refusal.self) {
            try step.run(task: "nope", verdicts: Self.verdicts(200, seed: 1), lineage: "{}")
        }
    }
}
