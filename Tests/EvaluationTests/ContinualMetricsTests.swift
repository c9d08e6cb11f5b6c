// ACC, BWT, FWT and forgetting on a hand-computed three-stage accuracy matrix.

import Evaluation
import Testing

@Suite("ContinualMetrics")
struct ContinualMetricsTests {
    let r: [[Double?]] = [
        [0.9],
        [0.8, 0.85],
        [0.7, 0.75, 0.95],
    ]

    func close(_ a: Double?, _ b: Double) -> Bool {
        guard let a else { return false }
        return abs(a - b) < 1e-12
    }

    @Test func accIsTheMeanOfTheLastRow() {
        #expect(close(ContinualMetrics.acc(r), 0.8))
    }

    @Test func forgettingComparesFinalWithJustLearned() {
        let forgetting = ContinualMetrics.forgetting(r)
        #expect(forgetting.count == 3)
        #expect(close(forgetting[0], -0.2))
        #expect(close(forgetting[1], -0.1))
        #expect(forgetting[2] == nil)
    }

    @Test func bwtAveragesTheChangesOnEarlierTasks() {
        #expect(close(ContinualMetrics.bwt(r), -0.15))
    }

    @Test func fwtComparesWithTasksTrainedAlone() {
        // Stage 1: 0.85 − 0.80; stage 2: 0.95 − 0.90; stage 0 is not counted.
        #expect(close(ContinualMetrics.fwt(r, single: [0.5, 0.8, 0.9]), 0.05))
    }

    @Test func paddedRowsGiveTheSameResults() {
        let padded: [[Double?]] = [[0.9, nil, nil], [0.8, 0.85, nil], [0.7, 0.75, 0.95]]
        #expect(close(ContinualMetrics.acc(padded), 0.8))
        #expect(close(ContinualMetrics.bwt(padded), -0.15))
        #expect(close(ContinualMetrics.fwt(padded, single: [0.5, 0.8, 0.9]), 0.05))
        #expect(ContinualMetrics.forgetting(padded).count == 3)
    }

    @Test func oneStageHasNoTransfer() {
        let single: [[Double?]] = [[0.6]]
        #expect(close(ContinualMetrics.acc(single), 0.6))
        #expect(ContinualMetrics.bwt(single) == nil)
        #expect(ContinualMetrics.fwt(single, single: [0.6]) == nil)
        #expect(ContinualMetrics.forgetting(single).count == 1)
        #expect(ContinualMetrics.forgetting(single)[0] == nil)
    }

    @Test func missingEntriesDropOutOfTheMeans() {
        let gappy: [[Double?]] = [[0.9], [nil, 0.6], [0.5, nil, 0.7]]
        #expect(close(ContinualMetrics.acc(gappy), 0.6))  // (0.5 + 0.7) / 2
        #expect(close(ContinualMetrics.bwt(gappy), -0.4))  // only task 0: 0.5 − 0.9
        #expect(close(ContinualMetrics.fwt(gappy, single: [0, 0.5, 0.6]), 0.1))  // (0.1 + 0.1) / 2
        #expect(ContinualMetrics.acc([]) == 0)
    }
}
