// Tests of `moecl eval --curve` on hand-made runs: grouping by method, labels and seed, intervals, paired
// differences, skipped prefix and unfinished runs, and the errors that name what to do.

import Foundation
import MoeclCLI
import Testing

private enum CurveFixture {
    /// A test split of 4 texts of which `right` are predicted right (scores 0.9 for the predicted label).
    static func split(right: Int) -> [String: Any] {
        let labels = [0, 0, 1, 1]
        let scores = labels.enumerated().map { i, label -> [Double] in
            let predicted = i < right ? label : 1 - label
            return predicted == 0 ? [0.9, 0.1] : [0.1, 0.9]
        }
        return ["labels": labels, "scores": scores]
    }

    /// A one-stage run of `method` on task `task` with `labels` training texts and `right` of 4 test texts right.
    static func run(
        _ root: URL, _ path: String, method: String, task: String = "b", labels: Int?, seed: Int, right: Int,
        stages: Int = 1
    ) throws {
        let folder = root.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var stage: [String: Any] = [
            "stage": 0, "task": task, "method": method,
            "training": [
                "epochs_done": 1, "step": 1, "best_dev_accuracy": 0.5, "best_step": 1, "dev_history": [[1, 0.5]],
                "seconds": 2.0, "examples": labels ?? 0, "tokens": 10,
            ] as [String: Any],
            "evaluations": [
                [
                    "task": task, "labels": ["compliant", "violating"], "compliant_label": "compliant",
                    "dev": split(right: right), "test": split(right: right),
                ] as [String: Any]
            ],
        ]
        if let labels { stage["train_examples"] = labels }
        try JSONSerialization.data(withJSONObject: stage).write(to: folder.appendingPathComponent("stage-0.json"))
        let order = (0..<stages).map { $0 == 0 ? task : "later\($0)" }
        let runFile: [String: Any] =
            method == "logreg"
            ? ["method": method, "order": order, "seed": seed]
            : ["method": method, "order": order, "options": ["seed": seed]]
        try JSONSerialization.data(withJSONObject: runFile).write(to: folder.appendingPathComponent("run.json"))
    }

    static func root() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("curve-\(UUID().uuidString)")
    }

    /// moe-cl right 3, 4 (seeds 1, 2) at 10 labels; per-task 2, 2; logreg 4 at 10 labels (seed 1 only);
    /// at 20 labels moe-cl 4, 4 and per-task 3, 4. A prefix run and an unfinished run lie beside them.
    static func standard() throws -> URL {
        let r = root()
        try run(r, "moe-cl/n10/s1", method: "moe-cl", labels: 10, seed: 1, right: 3)
        try run(r, "moe-cl/n10/s2", method: "moe-cl", labels: 10, seed: 2, right: 4)
        try run(r, "per-task/n10/s1", method: "per-task", labels: 10, seed: 1, right: 2)
        try run(r, "per-task/n10/s2", method: "per-task", labels: 10, seed: 2, right: 2)
        try run(r, "logreg/n10/s1", method: "logreg", labels: 10, seed: 1, right: 4)
        try run(r, "moe-cl/n20/s1", method: "moe-cl", labels: 20, seed: 1, right: 4)
        try run(r, "moe-cl/n20/s2", method: "moe-cl", labels: 20, seed: 2, right: 4)
        try run(r, "per-task/n20/s1", method: "per-task", labels: 20, seed: 1, right: 3)
        try run(r, "per-task/n20/s2", method: "per-task", labels: 20, seed: 2, right: 4)
        try run(r, "prefix/moe-cl/s1", method: "moe-cl", task: "a", labels: 5, seed: 1, right: 0)
        try run(r, "moe-cl/n40/s1", method: "moe-cl", labels: 40, seed: 1, right: 4, stages: 2)
        return r
    }
}

@Suite("LearningCurveReport")
struct LearningCurveReportTests {
    @Test func groupsByMethodAndLabelsWithMeansOverSeeds() throws {
        let root = try CurveFixture.standard()
        defer { try? FileManager.default.removeItem(at: root) }
        let report = try LearningCurveReport(runs: [root.path], precisions: [0.9])
        #expect(report.task == "b")
        #expect(report.testCount == 4)
        #expect(report.methods == ["moe-cl", "per-task", "logreg"])
        #expect(report.labelCounts == [10, 20])
        let moe = try #require(report.cell("moe-cl", labels: 10))
        #expect(moe.points.map(\.seed) == [1, 2])
        #expect(abs(moe.accuracy.mean - 0.875) < 1e-12)
        // sd of (0.75, 1.0) = 0.1768; half-width 12.706 · sd / √2 = 1.5883
        #expect(abs(moe.accuracy.upper - moe.accuracy.mean - 12.706 * 0.25 / 2) < 1e-9)
        #expect(try #require(report.cell("logreg", labels: 10)).accuracy.count == 1)
        #expect(report.incomplete.count == 1 && report.incomplete[0].hasSuffix("moe-cl/n40/s1"))
    }

    @Test func anEarlierReportFillsInWhatNoRunHasAndARunWins() throws {
        let root = try CurveFixture.standard()
        defer { try? FileManager.default.removeItem(at: root) }
        let saved = root.appendingPathComponent("earlier.json")
        try LearningCurveReport(runs: [root.path], precisions: [0.9]).json().write(to: saved)
        // A later session: its run folders are gone but one, which now scores 1 of 4 instead of 3.
        let later = CurveFixture.root()
        defer { try? FileManager.default.removeItem(at: later) }
        try CurveFixture.run(later, "moe-cl/n10/s1", method: "moe-cl", labels: 10, seed: 1, right: 1)
        let merged = try LearningCurveReport(runs: [later.path], precisions: [0.9], earlier: [saved.path])
        #expect(merged.labelCounts == [10, 20] && merged.methods == ["moe-cl", "per-task", "logreg"])
        let moe = try #require(merged.cell("moe-cl", labels: 10))
        #expect(moe.points.map(\.accuracy) == [0.25, 1.0])  // seed 1 from the run, seed 2 from the report
        #expect(try #require(merged.cell("per-task", labels: 20)).points.count == 2)
        // Only the earlier report, no runs: the same cells as before.
        let empty = CurveFixture.root()
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: empty) }
        let alone = try LearningCurveReport(runs: [empty.path], precisions: [0.9], earlier: [saved.path])
        #expect(try #require(alone.cell("moe-cl", labels: 10)).points.map(\.accuracy) == [0.75, 1.0])
        // Another target precision is refused: the reject rates would not line up.
        #expect(throws: (any Error).self) {
            try LearningCurveReport(runs: [empty.path], precisions: [0.95], earlier: [saved.path])
        }
    }

    @Test func differencesArePairedBySeed() throws {
        let root = try CurveFixture.standard()
        defer { try? FileManager.default.removeItem(at: root) }
        let report = try LearningCurveReport(runs: [root.path], precisions: [0.9])
        let d10 = try #require(report.differences.first { $0.method == "moe-cl" && $0.labels == 10 })
        #expect(d10.seeds == [1, 2])
        #expect(abs(d10.accuracy.mean - 0.375) < 1e-12)  // (0.25 + 0.5) / 2
        let d20 = try #require(report.differences.first { $0.method == "moe-cl" && $0.labels == 20 })
        #expect(abs(d20.accuracy.mean - 0.125) < 1e-12)  // (0.25 + 0) / 2
        let logreg = try #require(report.differences.first { $0.method == "logreg" })
        #expect(logreg.seeds == [1] && abs(logreg.accuracy.mean - 0.5) < 1e-12)
        #expect(!report.differences.contains { $0.method == "per-task" })
    }

    @Test func markdownAndPlotsShowEveryCell() throws {
        let root = try CurveFixture.standard()
        defer { try? FileManager.default.removeItem(at: root) }
        let report = try LearningCurveReport(runs: [root.path], precisions: [0.9, 0.95])
        let md = report.markdown(title: "Curve")
        #expect(md.contains("| 10 | 0.875 ["))
        #expect(md.contains("| 10 | moe-cl | 2 | +0.375 ["))
        #expect(md.contains("## Reject rate at target precision 0.95"))
        let plots = report.plots()
        #expect(Set(plots.keys) == ["curve-accuracy.svg", "curve-reject-0.9.svg", "curve-reject-0.95.svg"])
        #expect(plots["curve-accuracy.svg"]!.contains(">20</text>"))
    }

    @Test func aRunWithoutLabelCountsIsAnErrorThatSaysWhatToDo() throws {
        let root = CurveFixture.root()
        defer { try? FileManager.default.removeItem(at: root) }
        try CurveFixture.run(root, "moe-cl/old", method: "moe-cl", labels: nil, seed: 1, right: 2)
        #expect {
            try LearningCurveReport(runs: [root.path])
        } throws: { error in
            "\(error)".contains("no train_examples") && "\(error)".contains("learning_curve.sh")
        }
    }

    @Test func runsOfDifferentTasksAreRefused() throws {
        let root = CurveFixture.root()
        defer { try? FileManager.default.removeItem(at: root) }
        try CurveFixture.run(root, "moe-cl/n10/s1", method: "moe-cl", labels: 10, seed: 1, right: 2)
        try CurveFixture.run(root, "per-task/n10/s1", method: "per-task", task: "c", labels: 10, seed: 1, right: 2)
        #expect {
            try LearningCurveReport(runs: [root.path])
        } throws: { error in
            "\(error)".contains("different tasks")
        }
    }

    @Test func twoRunsOfOneCellAreRefused() throws {
        let root = CurveFixture.root()
        defer { try? FileManager.default.removeItem(at: root) }
        try CurveFixture.run(root, "x/moe-cl", method: "moe-cl", labels: 10, seed: 1, right: 2)
        try CurveFixture.run(root, "y/moe-cl", method: "moe-cl", labels: 10, seed: 1, right: 3)
        #expect(throws: (any Error).self) { try LearningCurveReport(runs: [root.path]) }
    }
}
