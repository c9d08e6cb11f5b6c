// Side-by-side timing of benchmark variants: interleaved runs, medians, paired ratios.

import Foundation
import TensorCore

/// Runs variants side by side: each round warms every variant up, then alternates them run by run (A B C A B C…),
/// so that slow phases of a shared machine hit all variants alike. A variant's figure is the median of its round
/// medians; `ratio(to:)` is the median over all runs of the paired ratio to the first variant.
enum BenchTimer {
    struct Result {
        let name: String
        let roundMedians: [Double]
        /// Per run: this variant's time over the first variant's time in the same turn.
        let pairedRatios: [Double]
        var median: Double { BenchTimer.median(roundMedians) }
        var json: String {
            let list = roundMedians.map { String(format: "%.4f", $0) }.joined(separator: ",")
            return "{\"median_ms\":\(String(format: "%.4f", median)),\"round_medians_ms\":[\(list)],"
                + "\"paired_ratio\":\(String(format: "%.4f", BenchTimer.median(pairedRatios)))}"
        }
    }

    static func interleaved(
        _ variants: [(String, () throws -> Void)], warmup: Int, runs: Int,
        rounds: Int
    ) throws -> [Result] {
        var medians = [[Double]](repeating: [], count: variants.count)
        var ratios = [[Double]](repeating: [], count: variants.count)
        for _ in 0..<rounds {
            for variant in variants {
                for _ in 0..<warmup { try variant.1() }
            }
            var times = [[Double]](repeating: [], count: variants.count)
            for _ in 0..<runs {
                for (i, variant) in variants.enumerated() { times[i].append(try milliseconds(variant.1)) }
                for i in variants.indices { ratios[i].append(times[i].last! / times[0].last!) }
            }
            for i in variants.indices { medians[i].append(median(times[i])) }
        }
        return variants.indices.map {
            Result(name: variants[$0].0, roundMedians: medians[$0], pairedRatios: ratios[$0])
        }
    }

    /// `warmup` untimed runs of `body`, then `runs` timed ones; the JSON line the bench drivers read:
    /// `{"median_ms": x, "times_ms": [...], "tokens": N, "core": "..."}` (`tokens` as `body` last reported).
    static func timedRunsJSON(warmup: Int, runs: Int, _ body: () throws -> Int) throws -> String {
        var tokens = 0
        for _ in 0..<warmup { tokens = try body() }
        var times: [Double] = []
        for _ in 0..<runs { times.append(try milliseconds { tokens = try body() }) }
        let list = times.map { String(format: "%.4f", $0) }.joined(separator: ",")
        return "{\"median_ms\":\(String(format: "%.4f", median(times))),\"times_ms\":[\(list)],\"tokens\":\(tokens),"
            + "\"core\":\"\(BLASRuntime.coreName)\"}"
    }

    static func milliseconds(_ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        return sorted.count % 2 == 1
            ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }
}
