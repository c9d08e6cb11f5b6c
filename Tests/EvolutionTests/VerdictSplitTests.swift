// The verdict split: only sampled verdicts are held back, the split is fixed by item ids, shares are as asked.

import Evolution
import Testing

@Suite("VerdictSplit")
struct VerdictSplitTests {
    static func verdicts(_ n: Int, sampledEvery: Int) -> [LabelledVerdict] {
        (1...n).map { i in
            LabelledVerdict(
                id: Int64(i), text: "t\(i)", label: i % 3 == 0 ? "violating" : "compliant",
                sampled: i % sampledEvery == 0)
        }
    }

    @Test func holdsBackOnlySampledVerdictsInTheAskedShare() {
        let all = Self.verdicts(4000, sampledEvery: 2)
        let split = VerdictSplit(all, holdOut: 0.5)
        #expect(split.heldBack.allSatisfy { $0.sampled })
        let heldShare = Double(split.heldBack.count) / 2000
        let developmentShare = Double(split.development.count) / Double(all.count - split.heldBack.count)
        #expect(heldShare > 0.45 && heldShare < 0.55)
        #expect(split.train.count + split.development.count + split.heldBack.count == all.count)
        #expect(developmentShare > 0.095 && developmentShare < 0.155)
        #expect(Set(split.train.map(\.id)).isDisjoint(with: split.heldBack.map(\.id)))
    }

    /// An item keeps its side as verdicts accumulate, so a later run never compares on what it trained on before.
    @Test func anItemKeepsItsSideAsVerdictsAccumulate() {
        let early = VerdictSplit(Self.verdicts(500, sampledEvery: 3), holdOut: 0.4)
        let late = VerdictSplit(Self.verdicts(1500, sampledEvery: 3), holdOut: 0.4)
        let lateHeld = Set(late.heldBack.map(\.id)), lateTrain = Set(late.train.map(\.id))
        #expect(early.heldBack.allSatisfy { lateHeld.contains($0.id) })
        #expect(early.train.allSatisfy { lateTrain.contains($0.id) })
    }
}
