// The evaluation report as Markdown (`report.md`): summary, last-stage accuracy, R matrices, reject-rate tables.

import Foundation
import Training

extension EvalReport {
    /// The report as Markdown, with links to the SVG files of `plots()` (written beside it).
    /// - Parameter title: the document's top heading.
    public func markdown(title: String = EvalReport.defaultTitle) -> String {
        var out = "# \(title)\n\n"
        out += summary() + "\n"
        out += lastStageAccuracy() + "\n"
        out += matrices() + "\n"
        out +=
            rejectTables(
                heading: "Reject rate on test (thresholds calibrated on dev)",
                intro: "Per label, the threshold calibrated on the task's dev split after the last stage "
                    + "(ThresholdCalibrator at the target precision) is applied to its test split with the deployed "
                    + "decision rule. Cell: share of test texts decided automatically (not sent to review) and, as p, "
                    + "the precision of those decisions on test; — when nothing was decided; n/a when the method did "
                    + "not reach the task.",
                outcome: \.deployed) + "\n"
        out +=
            rejectTables(
                heading: "Reject rate on test (thresholds by the 95 % lower bound on dev)",
                intro: "Per label, the lowest threshold whose one-sided 95 % Clopper-Pearson lower bound of precision "
                    + "on dev reaches the target (ThresholdCalibrator with a confidence, as the service's evolution "
                    + "runs calibrate), applied to test. It decides less than the point estimate and keeps the "
                    + "promise on new data more often. Same cells as above.",
                outcome: \.bounded) + "\n"
        out +=
            rejectTables(
                heading: "Reject rate, oracle thresholds on test (moe-cl.md §4 metric)",
                intro: "Thresholds calibrated on the test split itself: the best reject rate the scores allow at the "
                    + "target precision (an upper bound for deployment). Same cells as above.",
                outcome: \.oracle) + "\n"
        out += "## Reject rate against target precision (dev thresholds, test texts)\n\n"
        for m in methods { out += "![reject rate](\(Self.rejectPlotName(m.method)))\n\n" }
        return out
    }

    // MARK: Sections

    private func summary() -> String {
        var out = Self.table(
            ["method", "stages", "ACC", "BwT", "FwT", "dev ACC", "train time", "examples/s"],
            methods.map { m in
                let time =
                    TrainingProgress.duration(m.training.seconds)
                    + (m.training.wallSeconds.map { " (wall \(TrainingProgress.duration($0)))" } ?? "")
                return [
                    m.method, m.complete ? "\(m.tasks.count)" : "\(m.tasks.count) of \(m.expectedStages)",
                    Self.fixed(m.acc), Self.signed(m.bwt), Self.signed(m.fwt), Self.fixed(m.devAcc), time,
                    m.training.examplesPerSecond.map { Self.fixed($0, 1) } ?? "—",
                ]
            })
        out +=
            "\nACC: mean test accuracy after the last stage. BwT: mean change on earlier tasks from just after "
            + "learning them to the end (negative = forgetting). FwT: mean of R[i][i] minus the per-task run's "
            + "accuracy on task i, over every task after the first; — without a per-task run of the same task "
            + "order. dev ACC: mean dev accuracy after the last stage (what settings are chosen on). Train time: "
            + "seconds in training steps (wall: the whole run, evaluation included).\n"
        for m in methods where !m.complete {
            out +=
                "\n- **\(m.method)** is incomplete: \(m.tasks.count) of \(m.expectedStages) stages "
                + "(\(m.tasks.joined(separator: ", "))); its numbers cover those stages only."
        }
        out += methods.contains { !$0.complete } ? "\n" : ""
        let runs = methods.map { "`\($0.method)`: \($0.folder)" }.joined(separator: "; ")
        return out + "\nRuns: \(runs).\n"
    }

    /// `path` relative to the working directory when it lies under it (so committed reports name no home folder).
    public static func displayPath(_ path: String) -> String {
        let cwd = FileManager.default.currentDirectoryPath
        let prefix = cwd.hasSuffix("/") ? cwd : cwd + "/"
        return path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : path
    }

    private func lastStageAccuracy() -> String {
        var rows: [[String]] = []
        for task in allTasks() {
            let results = methods.map { m in m.lastStage.first { $0.task == task } }
            let count = results.compactMap { $0?.count }.first ?? 0
            let cells = results.map { $0.map { "\(Self.fixed($0.accuracy)) / \(Self.fixed($0.macroF1))" } ?? "n/a" }
            rows.append(["\(task) (n = \(count))"] + cells)
        }
        let means = methods.map { m in
            let n = Double(max(1, m.lastStage.count))
            let accuracy = m.lastStage.reduce(0) { $0 + $1.accuracy } / n
            return "\(Self.fixed(accuracy)) / \(Self.fixed(m.lastStage.reduce(0) { $0 + $1.macroF1 } / n))"
        }
        rows.append(["mean"] + means)
        return "## Test accuracy after the last stage\n\nAccuracy / macro-F1 on each task's test split.\n\n"
            + Self.table(["task"] + methods.map(\.method), rows)
    }

    private func matrices() -> String {
        var out = "## Accuracy matrices R\n\nR[i][j]: test accuracy on task j (column) after training stage i (row).\n"
        for m in methods {
            out += "\n### \(m.method)\n\n"
            out += Self.table(
                [""] + m.tasks,
                m.r.enumerated().map { i, row in ["after \(m.tasks[i])"] + row.map { $0.map { Self.fixed($0) } ?? "" } }
            )
            let forgetting = zip(m.tasks, m.forgetting).compactMap { task, f in f.map { "\(task) \(Self.signed($0))" } }
            if !forgetting.isEmpty {
                out += "\nForgetting (last stage − just learned): \(forgetting.joined(separator: ", ")).\n"
            }
            out += "\n![R matrix](\(Self.matrixPlotName(m.method)))\n"
        }
        return out
    }

    private func rejectTables(heading: String, intro: String, outcome: KeyPath<RejectAtPrecision, RejectOutcome>)
        -> String
    {
        var out = "## \(heading)\n\n\(intro)\n"
        for (index, target) in precisions.enumerated() {
            let rows = allTasks().map { task in
                [task] + methods.map { Self.rejectCell($0, task: task, precision: index, outcome: outcome) }
            }
            out += "\n### Target precision \(target)\n\n" + Self.table(["task"] + methods.map(\.method), rows)
        }
        return out
    }

    /// "62.3 % (p 0.91)": reject rate and precision on test; "—" when nothing was decided, "n/a" without the task.
    private static func rejectCell(
        _ m: MethodResult, task: String, precision index: Int, outcome: KeyPath<RejectAtPrecision, RejectOutcome>
    ) -> String {
        guard let result = m.lastStage.first(where: { $0.task == task }), index < result.reject.count else {
            return "n/a"
        }
        let o = result.reject[index][keyPath: outcome]
        guard let precision = o.precision else { return "—" }
        return "\(fixed(100 * o.rejectRate, 1)) % (p \(fixed(precision, 2)))"
    }

    // MARK: Formatting

    /// Every method's tasks, in the order first seen (methods in display order).
    private func allTasks() -> [String] {
        var tasks: [String] = []
        for m in methods { for t in m.tasks where !tasks.contains(t) { tasks.append(t) } }
        return tasks
    }

    /// A Markdown table: first column left-aligned, the others right-aligned; `|` in cells escaped.
    static func table(_ header: [String], _ rows: [[String]]) -> String {
        func line(_ cells: [String]) -> String {
            "| " + cells.map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |\n"
        }
        let rule = "|" + header.indices.map { $0 == 0 ? " --- " : " ---: " }.joined(separator: "|") + "|\n"
        return line(header) + rule + rows.map(line).joined()
    }

    /// `value` with `decimals` fixed decimals (4 by default, as for accuracies).
    static func fixed(_ value: Double, _ decimals: Int = 4) -> String {
        String(format: "%.\(decimals)f", value)
    }

    /// A difference with its sign and 4 decimals, or — when unknown.
    static func signed(_ value: Double?) -> String {
        guard let value else { return "—" }
        return String(format: "%+.4f", value)
    }
}
