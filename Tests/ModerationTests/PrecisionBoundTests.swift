// Clopper-Pearson lower bounds against scipy (goldens from scripts/reference/make_precision_goldens.py), and their
// coverage by simulation.

import Foundation
import Moderation
import TestSupport
import Testing

@Suite("PrecisionBound")
struct PrecisionBoundTests {
    struct Case: Decodable {
        let correct: Int
        let total: Int
        let confidence: Double
        let lower: Double
    }
    struct Goldens: Decodable { let cases: [Case] }

    @Test func matchesScipyOnEveryGolden() throws {
        let url = TestPaths.fixtures.appendingPathComponent("precision/clopper_pearson.json")
        let goldens = try JSONDecoder().decode(Goldens.self, from: Data(contentsOf: url))
        #expect(goldens.cases.count > 200)
        for c in goldens.cases {
            let mine = PrecisionBound.lower(correct: c.correct, total: c.total, confidence: c.confidence)
            #expect(abs(mine - c.lower) < 1e-9, "k=\(c.correct) n=\(c.total) confidence \(c.confidence)")
        }
    }

    @Test func boundsSitAroundThePointEstimate() {
        for (k, n) in [(1, 1), (9, 10), (90, 100), (900, 1000), (3, 7)] {
            let lower = PrecisionBound.lower(correct: k, total: n)
            let upper = PrecisionBound.upper(correct: k, total: n)
            let p = Double(k) / Double(n)
            #expect(lower < p && p <= upper && upper <= 1)
        }
        // More samples at the same proportion: a tighter bound.
        #expect(PrecisionBound.lower(correct: 90, total: 100) < PrecisionBound.lower(correct: 900, total: 1000))
        #expect(PrecisionBound.lower(correct: 0, total: 10) == 0)
    }

    /// The bound's promise: for a true precision p, P(lower ≤ p) ≥ confidence. Checked on 4,000 simulated samples.
    @Test func coversTheTruePrecisionAtLeastAsOftenAsPromised() {
        var state: UInt64 = 7
        func uniform() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(state >> 11) / Double(1 << 53)
        }
        for p in [0.85, 0.95] {
            var covered = 0
            let trials = 2000
            for _ in 0..<trials {
                let correct = (0..<60).filter { _ in uniform() < p }.count
                if PrecisionBound.lower(correct: correct, total: 60) <= p { covered += 1 }
            }
            // Exact coverage is ≥ 0.95; 0.93 leaves room for the simulation's own noise (about 0.005 sd).
            #expect(Double(covered) / Double(trials) >= 0.93, "coverage at p = \(p)")
        }
    }
}
