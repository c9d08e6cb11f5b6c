// `moecl-bench engine`: what the model does alone, as the yardstick of the server's load test: throughput at a
// given batch size and batch-1 latency, on the shipped experts and real texts.

import ArgumentParser
import Foundation
import Logging
import MoELoRA
import TensorCore

/// Times, on pre-tokenised texts (tokenising is the HTTP side's work):
/// - `classify` of batches of `--batch` sequences, tasks mixed round-robin over the bundle (sequences/s over
///   `--seconds` per round; median of rounds);
/// - batch-1 latency of `classify` (one text, one task) and of the bare encoder's pooled forward, interleaved.
/// The last line of stdout is JSON: `{"batch", "sequences_per_second", "rounds", "classify_1_ms", "encoder_1_ms"}`.
public struct EngineBenchCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "engine",
        abstract: "Time the model alone: batch throughput and batch-1 latency (used by make loadtest).")

    @OptionGroup public var modelOptions: ModelOptions
    @OptionGroup public var expertOptions: ExpertOptions

    @Option(help: "JSONL file with a \"text\" field per line (its first --count lines are used).")
    public var texts: String
    @Option(help: "Texts to cycle through.")
    public var count: Int = 512
    @Option(help: "Sequences per batch (the load test passes the server's mean batch size).")
    public var batch: Int = 32
    @Option(help: "Seconds per throughput round.")
    public var seconds: Double = 5
    @Option(help: "Throughput rounds.")
    public var rounds: Int = 3
    @Option(help: "Batch-1 runs per variant.")
    public var latencyRuns: Int = 200

    public init() {}

    public func run() throws {
        let base = try modelOptions.loadBase()
        let tokenizer = base.tokenizer
        let snapshot = try expertOptions.load(base: base)
        let sequences = try BenchTexts.read(texts, count: count).map { tokenizer.encode($0) }
        let tasks = snapshot.taskNames
        var cursor = 0
        func nextBatch(_ size: Int) -> ([[Int32]], [String]) {
            defer { cursor += size }
            return (
                (0..<size).map { sequences[(cursor + $0) % sequences.count] },
                (0..<size).map { tasks[(cursor + $0) % tasks.count] }
            )
        }
        // Throughput.
        for _ in 0..<2 { let (s, t) = nextBatch(batch); _ = try snapshot.classify(sequences: s, tasks: t) }
        var rates: [Double] = []
        for _ in 0..<rounds {
            var done = 0
            let start = DispatchTime.now().uptimeNanoseconds
            var elapsed = 0.0
            while elapsed < seconds {
                let (s, t) = nextBatch(batch)
                _ = try snapshot.classify(sequences: s, tasks: t)
                done += batch
                elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            }
            rates.append(Double(done) / elapsed)
        }
        // Batch-1 latency, classify and bare encoder alternating on the same text.
        var classifyTimes: [Double] = [], encoderTimes: [Double] = []
        for k in 0..<(latencyRuns + 10) {
            let sequence = [sequences[k % sequences.count]], task = [tasks[k % tasks.count]]
            let c = try BenchTimer.milliseconds { _ = try snapshot.classify(sequences: sequence, tasks: task) }
            let e = try BenchTimer.milliseconds { _ = try base.readout(sequences: sequence) }
            if k >= 10 { classifyTimes.append(c); encoderTimes.append(e) }
        }
        let rate = BenchTimer.median(rates)
        let summary = String(
            format:
                "engine: batch %d: %.1f sequences/s (rounds %@); batch 1: classify %.2f ms, encoder %.2f ms (medians)",
            batch, rate, rates.map { String(format: "%.1f", $0) }.joined(separator: ", "),
            BenchTimer.median(classifyTimes), BenchTimer.median(encoderTimes))
        Logger(label: "moecl.bench").notice("\(summary)")
        print(
            "{\"batch\":\(batch),\"sequences_per_second\":\(String(format: "%.2f", rate)),"
                + "\"rounds\":[\(rates.map { String(format: "%.2f", $0) }.joined(separator: ","))],"
                + "\"classify_1_ms\":\(String(format: "%.3f", BenchTimer.median(classifyTimes))),"
                + "\"encoder_1_ms\":\(String(format: "%.3f", BenchTimer.median(encoderTimes))),"
                + "\"core\":\"\(BLASRuntime.coreName)\"}"
        )
    }
}
