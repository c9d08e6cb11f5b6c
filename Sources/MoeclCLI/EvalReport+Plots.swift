// The evaluation report's SVG plots: each method's R matrix and its deployed reject rate per target precision.

import Evaluation

extension EvalReport {
    /// The SVG files of the report, by file name: `r-<method>.svg` (the R matrix as a heat map) and
    /// `reject-<method>.svg` (deployed reject rate on test against the target precision, one line per task).
    public func plots() -> [String: String] {
        var files: [String: String] = [:]
        for m in methods {
            files[Self.matrixPlotName(m.method)] = SVGPlot.heatMap(
                title: "R: test accuracy after each stage (\(m.method))",
                rowLabels: m.tasks.map { "after \($0)" }, columnLabels: m.tasks, values: m.r,
                valueFormat: { Self.fixed($0) })
            files[Self.rejectPlotName(m.method)] = SVGPlot.lineChart(
                title: "Reject rate on test, thresholds calibrated on dev (\(m.method))",
                xLabel: "target precision", yLabel: "share decided automatically",
                series: m.lastStage.map { task in
                    (name: task.task, points: task.reject.map { (x: $0.targetPrecision, y: $0.deployed.rejectRate) })
                },
                yRange: 0...1)
        }
        return files
    }

    /// File name of a method's R-matrix heat map.
    public static func matrixPlotName(_ method: String) -> String { "r-\(fileSafe(method)).svg" }

    /// File name of a method's reject-rate chart.
    public static func rejectPlotName(_ method: String) -> String { "reject-\(fileSafe(method)).svg" }

    /// `name` with every character other than letters, digits, `-`, `_` and `.` replaced by `_`.
    static func fileSafe(_ name: String) -> String {
        String(name.map { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) ? $0 : "_" })
    }
}
