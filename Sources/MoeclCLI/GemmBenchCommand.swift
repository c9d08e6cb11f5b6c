// `moecl bench gemm`: the packed float product against OpenBLAS on the encoder's projection shapes.

import ArgumentParser
import Foundation
import TensorCore

/// Times C = A · Wᵀ for each row count and (outputs, inputs) shape: OpenBLAS `sgemm` (which packs W on every call)
/// against `PackedMatrix` (W packed once), interleaved in one process. The last line of stdout is JSON:
/// `{"threads", "path", "cases": [{"rows", "outputs", "inputs", "blas_ms", "packed_ms", "blas_over_packed"}]}`.
public struct GemmBenchCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "gemm", abstract: "Time the packed float product vs OpenBLAS on projection shapes.")

    @Option(help: "Compute threads.")
    public var threads: Int = 1

    @Option(help: "Row counts (tokens in the batch), comma-separated.")
    public var rows: String = "1,16,64,128,563,1024"

    @Option(help: "Shapes as outputs x inputs, comma-separated (default: MiniLM's four projections).")
    public var shapes: String = "1152x384,384x384,1536x384,384x1536"

    @Option(help: "Untimed warm-up runs per round and variant.")
    public var warmup: Int = 3

    @Option(help: "Timed runs per round and variant.")
    public var runs: Int = 20

    @Option(help: "Rounds (variants interleaved within each round).")
    public var rounds: Int = 3

    public init() {}

    public func run() throws {
        BLASRuntime.configure(threads: threads)
        let rowCounts = try rows.split(separator: ",").map { try Self.positive(String($0), "--rows") }
        let shapeList = try shapes.split(separator: ",").map { shape -> (Int, Int) in
            let parts = shape.split(separator: "x")
            guard parts.count == 2 else { throw ValidationError("--shapes wants OUTPUTSxINPUTS, got \(shape)") }
            return (try Self.positive(String(parts[0]), "--shapes"), try Self.positive(String(parts[1]), "--shapes"))
        }
        var cases: [String] = []
        for (n, k) in shapeList {
            let w = (0..<(n * k)).map { Float(($0 * 7919) % 201) / 1000 - 0.1 }
            let packed = PackedMatrix(weights: w, outputs: n, inputs: k)
            for m in rowCounts {
                let a = (0..<(m * k)).map { Float(($0 * 104_729) % 301) / 150 - 1 }
                let c = UnsafeMutablePointer<Float>.allocate(capacity: m * n)
                defer { c.deallocate() }
                let results = try BenchTimer.interleaved(
                    [
                        ("blas", { BLAS.gemmNT(m: m, n: n, k: k, a: a, lda: k, b: w, ldb: k, c: c, ldc: n) }),
                        ("packed", { packed.multiply(a, rows: m, lda: k, into: c, ldc: n) }),
                    ], warmup: warmup, runs: runs, rounds: rounds)
                let line = String(
                    format: "{\"rows\":%d,\"outputs\":%d,\"inputs\":%d,\"blas_ms\":%.4f,\"packed_ms\":%.4f,"
                        + "\"blas_over_packed\":%.3f}", m, n, k, results[0].median, results[1].median,
                    1 / BenchTimer.median(results[1].pairedRatios))
                print(line)
                cases.append(line)
            }
        }
        print(
            "{\"threads\":\(threads),\"path\":\"\(KernelPath.active.rawValue)\",\"cases\":[\(cases.joined(separator: ","))]}"
        )
    }

    static func positive(_ text: String, _ flag: String) throws -> Int {
        guard let value = Int(text), value > 0 else {
            throw ValidationError("\(flag): \(text) is not a positive count")
        }
        return value
    }
}
