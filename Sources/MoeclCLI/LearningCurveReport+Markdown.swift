// The learning-curve report as Markdown tables and SVG plots (accuracy and reject rate against labels, log axis).

import Evaluation
import Foundation

extension LearningCurveReport {
    /// report.md: per label count and method, mean [95 % interval] over seeds of test accuracy, dev accuracy and
    /// each reject rate; then the paired differences to per-task; then training time.
    public func markdown(title: String) -> String {
        var lines = ["# \(title)", ""]
        let seeds = Set(cells.flatMap { $0.points.map(\.seed) }).sorted()
        lines.append(
            "Task learned last: **\(task)** (test texts: \(testCount)). Each cell: mean [95 % interval] over seeds "
                + "(Student t, n − 1 degrees of freedom); seeds \(seeds.map(String.init).joined(separator: ", ")). "
                + "A seed draws the same labelled texts for every method. Reject rates: thresholds calibrated on "
                + "dev by the point estimate, applied to test; (p …) is the precision achieved on test.")
        lines.append("")
        let methods = self.methods
        func table(_ heading: String, _ value: (Cell) -> String) {
            lines.append("## \(heading)")
            lines.append("")
            lines.append("| labels | " + methods.joined(separator: " | ") + " |")
            lines.append("|---:|" + String(repeating: "---|", count: methods.count))
            for n in labelCounts {
                let row = methods.map { m in cell(m, labels: n).map(value) ?? "—" }
                lines.append("| \(n) | " + row.joined(separator: " | ") + " |")
            }
            lines.append("")
        }
        table("Test accuracy") { Self.format($0.accuracy) + Self.seedNote($0) }
        table("Dev accuracy (what choices are made on)") { Self.format($0.devAccuracy) }
        for (k, target) in precisions.enumerated() {
            table("Reject rate at target precision \(target)") { cell in
                let p = cell.rejectPrecision[k].map { String(format: " (p %.3f)", $0.mean) } ?? ""
                return Self.format(cell.rejectRate[k]) + p
            }
        }
        if !differences.isEmpty {
            lines.append("## Difference to per-task LoRA, paired by seed")
            lines.append("")
            lines.append(
                "Mean [95 % interval] of (method − per-task) over the seeds both have. An interval that excludes 0 "
                    + "is a difference these seeds support.")
            lines.append("")
            let rejectHeads = precisions.map { "Δ reject rate at \($0)" }
            lines.append("| labels | method | seeds | Δ test accuracy | " + rejectHeads.joined(separator: " | ") + " |")
            lines.append("|---:|---|---:|---:|" + String(repeating: "---:|", count: precisions.count))
            for d in differences.sorted(by: { ($0.labels, rank($0.method)) < ($1.labels, rank($1.method)) }) {
                let reject = d.rejectRate.map { Self.format($0, signed: true) }
                lines.append(
                    "| \(d.labels) | \(d.method) | \(d.seeds.count) | \(Self.format(d.accuracy, signed: true)) | "
                        + reject.joined(separator: " | ") + " |")
            }
            lines.append("")
        }
        table("Training seconds on the task (mean over seeds)") { cell in
            String(format: "%.0f", cell.points.map(\.trainSeconds).reduce(0, +) / Double(cell.points.count))
        }
        if !incomplete.isEmpty {
            lines.append("Left out, unfinished: " + incomplete.joined(separator: ", "))
            lines.append("")
        }
        return lines.joined(separator: "\n")
    }

    /// curve-accuracy.svg and curve-reject-<target>.svg: means with interval bars, labels on a log axis.
    public func plots() -> [String: String] {
        let counts = labelCounts
        let ticks = counts.map { (log10(Double($0)), String($0)) }
        let xRange = (ticks.first?.0 ?? 0)...(max(ticks.last?.0 ?? 1, (ticks.first?.0 ?? 0) + 1e-9))
        func chart(_ title: String, _ yLabel: String, _ pick: (Cell) -> SeedInterval) -> String {
            let perMethod = methods.map { m in cells.filter { $0.method == m } }
            return SVGPlot.lineChart(
                title: title, xLabel: "labelled texts of \(task) (log scale)", yLabel: yLabel,
                series: zip(methods, perMethod).map { m, cs in
                    (name: m, points: cs.map { (x: log10(Double($0.labels)), y: pick($0).mean) })
                },
                xRange: xRange, xTicks: ticks,
                intervals: perMethod.map { cs in
                    cs.map { (x: log10(Double($0.labels)), low: pick($0).lower, high: pick($0).upper) }
                })
        }
        var files = ["curve-accuracy.svg": chart("Test accuracy on \(task)", "test accuracy") { $0.accuracy }]
        for (k, target) in precisions.enumerated() {
            files["curve-reject-\(target).svg"] = chart(
                "Reject rate on \(task) at target precision \(target)", "share decided automatically"
            ) { $0.rejectRate[k] }
        }
        return files
    }

    private func rank(_ method: String) -> Int {
        EvalReport.preferredOrder.firstIndex(of: method) ?? EvalReport.preferredOrder.count
    }

    static func format(_ interval: SeedInterval, signed: Bool = false) -> String {
        let f = signed ? "%+.3f" : "%.3f"
        guard interval.count > 1 else { return String(format: f, interval.mean) }
        return String(format: "\(f) [\(f), \(f)]", interval.mean, interval.lower, interval.upper)
    }

    static func seedNote(_ cell: Cell) -> String { cell.points.count == 1 ? " (1 seed)" : "" }
}
