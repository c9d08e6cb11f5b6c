// Timing helpers of the benchmark commands: interleaved rounds, medians, and the benchmark texts.

import ArgumentParser
import Foundation
import ModelFormats
import MoELoRA
import Transformer

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

    static func interleaved(_ variants: [(String, () throws -> Void)], warmup: Int, runs: Int,
                            rounds: Int) throws -> [Result] {
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
        return variants.indices.map { Result(name: variants[$0].0, roundMedians: medians[$0], pairedRatios: ratios[$0]) }
    }

    static func milliseconds(_ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }
}

/// The texts of a benchmark case: the `text` field of the first lines of a JSONL file.
enum BenchTexts {
    static func read(_ path: String, count: Int) throws -> [String] {
        guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError("cannot read \(path)") }
        var inputs: [String] = []
        for line in data.split(separator: UInt8(ascii: "\n")) where !line.isEmpty {
            guard let object = try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any],
                  let text = object["text"] as? String else { throw ValidationError("\(path): a line lacks \"text\"") }
            inputs.append(text)
            if inputs.count == count { break }
        }
        guard inputs.count == count else { throw ValidationError("\(path) has fewer than \(count) texts") }
        return inputs
    }
}

/// The loaded encoder as a `BaseModel` (its fingerprint hashed from the folder's weights file).
enum BenchBase {
    static func wrap(_ encoder: BertEncoder, folder: String) throws -> BaseModel {
        let weights = URL(fileURLWithPath: folder).appendingPathComponent("model.safetensors").path
        return BaseModel(encoder: encoder, fingerprint: try FileDigest.sha256(path: weights))
    }
}

/// Resident memory of this process, from /proc/self/statm (Linux); 0 where unavailable.
enum ResidentMemory {
    static func bytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}
