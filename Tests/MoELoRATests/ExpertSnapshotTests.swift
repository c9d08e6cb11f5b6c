// Snapshots are immutable values: changes give new snapshots; 1,000 task experts load and cost only their size.

import Foundation
import MoELoRA
import TestSupport
import Testing

@Suite("ExpertSnapshot")
struct ExpertSnapshotTests {
    @Test func changesGiveNewSnapshotsAndLeaveOldOnesValid() throws {
        let moe = try TinyMoE()
        defer { moe.remove() }
        let first = try moe.snapshot()
        let seqs = MoEForwardTests.sequences(count: 3)
        let before = try first.classify(sequences: seqs, tasks: ["spam", "spam", "spam"])

        let newSpam = RandomExperts.task(name: "spam", base: moe.base, seed: 1234, version: 2)
        let second = try first.adding(newSpam)
        #expect(second.tasks["spam"]?.version == 2 && first.tasks["spam"]?.version == 1)
        #expect(second.tasks["hate"] === first.tasks["hate"])  // unchanged experts are shared, not copied
        let after = try second.classify(sequences: seqs, tasks: ["spam", "spam", "spam"])
        #expect(after.map(\.version) == [2, 2, 2] && after != before)
        #expect(try first.classify(sequences: seqs, tasks: ["spam", "spam", "spam"]) == before)

        let third = try second.removing("hate")
        #expect(third.taskNames == ["spam", "topic"] && second.taskNames == ["hate", "spam", "topic"])
        #expect(throws: ExpertError.self) { _ = try third.removing("hate") }

        let newShared = RandomExperts.shared(base: moe.base, seed: 77, version: 2)
        let fourth = try third.replacingShared(newShared)
        #expect(fourth.shared.version == 2 && third.shared.version == 1)
        #expect(try fourth.classify(sequences: seqs, tasks: ["spam", "spam", "spam"]) != after)
    }

    /// `representations` is what each task's head reads: its probabilities of them are the classify scores, and a
    /// task's vectors differ from another task's for the same text (each runs through its own experts).
    @Test func representationsAreTheHeadsInput() throws {
        let moe = try TinyMoE()
        defer { moe.remove() }
        let snapshot = try moe.snapshot()
        let seqs = MoEForwardTests.sequences(count: 3)
        let tasks = ["spam", "hate", "spam"]
        let vectors = try snapshot.representations(sequences: seqs, tasks: tasks)
        let scores = try snapshot.classify(sequences: seqs, tasks: tasks)
        for (s, task) in tasks.enumerated() {
            let head = try #require(snapshot.tasks[task]).head
            #expect(zip(head.probabilities(vectors[s]), scores[s].scores).allSatisfy { abs($0 - $1) < 1e-5 })
        }
        let asHate = try snapshot.representations(sequences: [seqs[0]], tasks: ["hate"])
        #expect(asHate[0] != vectors[0])
        #expect(throws: ExpertError.self) { _ = try snapshot.representations(sequences: [seqs[0]], tasks: ["nope"]) }
    }

    /// A shadow is scored under its own key in the same batch, changes no task's scores, is no task itself, and
    /// goes with its task.
    @Test func aShadowScoresBesideItsTaskAndChangesNothingElse() throws {
        let moe = try TinyMoE()
        defer { moe.remove() }
        let plain = try moe.snapshot()
        let seqs = MoEForwardTests.sequences(count: 2)
        let candidate = RandomExperts.task(name: "spam", base: moe.base, seed: 99, version: 2)
        let shadowed = try plain.shadowing("spam", with: candidate)
        #expect(shadowed.taskNames == plain.taskNames && shadowed.tasks["spam"]?.version == 1)
        let key = ExpertSnapshot.shadowKey("spam")
        let mixed = try shadowed.classify(sequences: seqs + seqs, tasks: ["spam", "hate", key, key])
        #expect(Array(mixed[..<2]) == (try plain.classify(sequences: seqs, tasks: ["spam", "hate"])))
        // The candidate alone (as the shadow judgement scores it): equal up to float rounding (batch shapes differ).
        let alone = try plain.adding(candidate).classify(sequences: seqs, tasks: ["spam", "spam"])
        for (a, b) in zip(mixed[2...], alone) {
            #expect(zip(a.scores, b.scores).allSatisfy { abs($0 - $1) < 1e-5 }, "\(a.scores) \(b.scores)")
        }
        #expect(mixed[2].scores != mixed[0].scores)
        #expect(mixed[2].version == 2 && mixed[2].task == "spam")
        #expect(throws: ExpertError.self) { _ = try plain.classify(sequences: seqs, tasks: [key, key]) }
        #expect(throws: ExpertError.self) { _ = try plain.shadowing("nope", with: candidate) }
        #expect(try shadowed.adding(RandomExperts.task(name: "hate", base: moe.base, seed: 5)).shadows["spam"] != nil)
        #expect(try shadowed.removing("spam").shadows.isEmpty)
        #expect(try shadowed.shadowing("spam", with: nil).shadows.isEmpty)
    }

    @Test func expertsForAnotherBaseAreRefused() throws {
        let moe = try TinyMoE()
        let wide = try TinyMoE(seed: 8, hidden: 32, intermediate: 64)
        defer {
            moe.remove()
            wide.remove()
        }
        let snapshot = try moe.snapshot()
        #expect(throws: ExpertError.self) { _ = try snapshot.adding(wide.tasks[0]) }
        #expect(throws: ExpertError.self) { _ = try snapshot.replacingShared(wide.shared) }
        #expect(throws: ExpertError.duplicateTask(task: "spam")) {
            _ = try ExpertSnapshot(base: moe.base, shared: moe.shared, tasks: [moe.tasks[0], moe.tasks[0]])
        }
    }

    @Test func aThousandTaskExpertsLoadAndCostOnlyTheirOwnSize() throws {
        let moe = try TinyMoE()
        defer { moe.remove() }
        let many = (0..<1_000).map { i in
            RandomExperts.task(name: "task-\(i)", base: moe.base, seed: UInt64(10_000 + i))
        }
        let one = try ExpertSnapshot(base: moe.base, shared: moe.shared, tasks: [many[500]])
        let all = try ExpertSnapshot(base: moe.base, shared: moe.shared, tasks: many)
        #expect(all.tasks.count == 1_000)
        // Memory: the experts' own floats, nothing per task beyond them.
        let perTask = many[0].parameterCount
        #expect(all.parameterCount - one.parameterCount == 999 * perTask)
        // A request gives the same answer whatever else is loaded.
        let seqs = MoEForwardTests.sequences(count: 4)
        let tasks = ["task-500", "task-500", "task-500", "task-500"]
        #expect(try all.classify(sequences: seqs, tasks: tasks) == one.classify(sequences: seqs, tasks: tasks))

        // Written as a bundle and loaded back, all 1,000 are there and give the same scores.
        let folder = moe.folder.appendingPathComponent("many").path
        try ExpertBundle.write(shared: moe.shared, tasks: many, to: folder)
        let loaded = try ExpertBundle.load(folder: folder, base: moe.base)
        #expect(loaded.tasks.count == 1_000)
        let mixed = (0..<4).map { "task-\($0 * 333)" }
        #expect(try loaded.classify(sequences: seqs, tasks: mixed) == all.classify(sequences: seqs, tasks: mixed))
    }
}

@Suite("Shared-expert gate weight")
struct SharedGateWeightTests {
    @Test func isTheMeanGateWeightOverTokensAndLayers() throws {
        let moe = try TinyMoE()
        defer { moe.remove() }
        let snapshot = try moe.snapshot()
        let seqs = MoEForwardTests.sequences(count: 3)
        let scores = try snapshot.classify(sequences: seqs, tasks: ["spam", "hate", "spam"])
        for s in scores {
            let weight = try #require(s.sharedGateWeight)
            #expect(weight > 0 && weight < 1)
        }
        // Zero gate weights give logits 0 and 0: every token of every layer weighs the shared expert 1/2.
        let shared = snapshot.shared
        let zero = SharedExpert(
            metadata: shared.metadata, expert: shared.expert,
            gates: shared.gates.map { [Float](repeating: 0, count: $0.count) })
        let even = try snapshot.replacingShared(zero).classify(sequences: seqs, tasks: ["spam", "hate", "spam"])
        #expect(even.allSatisfy { $0.sharedGateWeight == 0.5 })
        // The reference forward does not measure it.
        #expect(
            try snapshot.classify(sequences: seqs, tasks: ["spam", "hate", "spam"], form: .reference).allSatisfy {
                $0.sharedGateWeight == nil
            })
    }
}
