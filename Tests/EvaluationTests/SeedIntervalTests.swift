// The seed interval against hand-computed values and the t table's known quantiles.

import Evaluation
import Testing

@Suite("SeedInterval")
struct SeedIntervalTests {
    @Test func threeSeedsUseTWithTwoDegreesOfFreedom() throws {
        let interval = try #require(SeedInterval([0.80, 0.82, 0.84]))
        #expect(interval.count == 3)
        #expect(abs(interval.mean - 0.82) < 1e-12)
        #expect(abs(interval.standardDeviation - 0.02) < 1e-12)
        // half-width = 4.303 · 0.02 / √3
        let half = 4.303 * 0.02 / 3.0.squareRoot()
        #expect(abs(interval.lower - (0.82 - half)) < 1e-12)
        #expect(abs(interval.upper - (0.82 + half)) < 1e-12)
    }

    @Test func oneValueHasNoWidthAndNoValuesNoInterval() throws {
        let one = try #require(SeedInterval([0.7]))
        #expect(one.lower == 0.7 && one.upper == 0.7 && one.standardDeviation == 0)
        #expect(SeedInterval([]) == nil)
    }

    @Test func tQuantilesMatchTheTables() {
        #expect(SeedInterval.t975(degreesOfFreedom: 1) == 12.706)
        #expect(SeedInterval.t975(degreesOfFreedom: 4) == 2.776)
        #expect(SeedInterval.t975(degreesOfFreedom: 30) == 2.042)
        #expect(SeedInterval.t975(degreesOfFreedom: 1_000) == 1.960)
    }

    @Test func separationNeedsAGap() throws {
        let a = try #require(SeedInterval([0.80, 0.81, 0.82]))
        let b = try #require(SeedInterval([0.90, 0.91, 0.92]))
        let c = try #require(SeedInterval([0.81, 0.83, 0.85]))
        #expect(a.separated(from: b) && b.separated(from: a))
        #expect(!a.separated(from: c))
    }
}
