// Progress of a training run: a redrawn status line on a terminal, plain lines in logs.

import Foundation

/// Reports step/total, loss, examples/s and the estimated time left.
public struct TrainingProgress: Sendable {
    /// Whether the output is a terminal (redraws one line) or a log (one line every `logEvery` steps).
    public let interactive: Bool
    public let logEvery: Int
    let write: @Sendable (String) -> Void

    /// - Parameter write: where the text goes (the command line passes standard error's writer).
    public init(
        interactive: Bool = isatty(STDERR_FILENO) != 0, logEvery: Int = 50, write: @escaping @Sendable (String) -> Void
    ) {
        self.interactive = interactive
        self.logEvery = logEvery
        self.write = write
    }

    /// Reports step `step` of `total` of `task`.
    public func step(
        task: String, step: Int, total: Int, loss: Double, adversarialLoss: Double?, examplesPerSecond: Double,
        secondsLeft: Double
    ) {
        let adv = adversarialLoss.map { String(format: " adv %.3f", $0) } ?? ""
        let line = String(
            format: "[%@] step %d/%d loss %.4f%@ %.1f ex/s ETA %@", task, step, total, loss, adv,
            examplesPerSecond, Self.duration(secondsLeft))
        if interactive {
            write("\r\u{1B}[K" + line)
            if step == total { write("\n") }
        } else if step % logEvery == 0 || step == total {
            write(line + "\n")
        }
    }

    /// A message on its own line.
    public func message(_ text: String) {
        write((interactive ? "\r\u{1B}[K" : "") + text + "\n")
    }

    /// "1h02m", "3m05s" or "42s".
    public static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "?" }
        let s = Int(seconds.rounded())
        if s >= 3600 { return String(format: "%dh%02dm", s / 3600, s % 3600 / 60) }
        if s >= 60 { return String(format: "%dm%02ds", s / 60, s % 60) }
        return "\(s)s"
    }
}
