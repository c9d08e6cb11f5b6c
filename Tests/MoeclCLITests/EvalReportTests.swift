// Tests of `moecl eval`'s report on hand-made stage records: R, ACC/BwT/FwT, macro-F1, reject rates, files, errors.

import Foundation
import MoeclCLI
import Testing

/// Two tasks (a, b) with labels compliant/violating, for a moe-cl run and a per-task run; numbers by hand below.
///
/// moe-cl, after stage 0: a test predictions [0,0,1,0] vs [0,0,1,1] → 0.75. After stage 1: a → [0,1,1,0] → 0.5;
/// b → [0,0,0,1,1,0] vs [0,0,0,0,1,1] → 4/6 (F1: compliant 6/8, violating 2/4, macro 0.625).
/// per-task: a → 1.0 at both stages, b → 5/6. So moe-cl ACC = (0.5 + 4/6) / 2, BwT = 0.5 − 0.75,
/// FwT = 4/6 − 5/6; per-task ACC = (1 + 5/6) / 2, BwT = 0, FwT = 0.
private enum Fixture {
    static let aTestEarly = split([0, 0, 1, 1], [[0.9, 0.1], [0.6, 0.4], [0.3, 0.7], [0.55, 0.45]])
    static let aTestLate = split([0, 0, 1, 1], [[0.9, 0.1], [0.4, 0.6], [0.3, 0.7], [0.55, 0.45]])
    /// Every top label wrong: no threshold reaches any target, nothing is decided.
    static let aDevLate = split([1, 0], [[0.9, 0.1], [0.2, 0.8]])
    /// Top-compliant scores 0.9 ✓, 0.8 ✓, 0.7 ✗, 0.6 ✓ (precision 1, 1, .67, .75);
    /// top-violating 0.9 ✓, 0.7 ✓, 0.55 ✗ (precision 1, 1, .67).
    /// At 0.9: τ compliant 0.8, violating 0.7 (4 of 7 decided); at 0.7: τ compliant 0.6, violating 0.7 (6 of 7).
    static let bDev = split(
        [0, 0, 1, 0, 1, 1, 0],
        [[0.9, 0.1], [0.8, 0.2], [0.7, 0.3], [0.6, 0.4], [0.1, 0.9], [0.3, 0.7], [0.45, 0.55]])
    /// At the 0.9 dev thresholds: 0.95 ✓, 0.85 ✓, 0.8 (violating) ✓ and 0.82 (compliant, truly violating) ✗ are
    /// decided → 4/6 decided, precision 3/4. At 0.7 the 0.7 compliant one joins → 5/6, precision 4/5.
    /// Oracle on test at 0.9: τ compliant 0.85, violating 0.8 → 3/6, precision 1.
    static let bTest = split(
        [0, 0, 0, 0, 1, 1],
        [[0.95, 0.05], [0.85, 0.15], [0.7, 0.3], [0.4, 0.6], [0.2, 0.8], [0.82, 0.18]])
    static let aPerTask = split([0, 0, 1, 1], [[0.9, 0.1], [0.8, 0.2], [0.3, 0.7], [0.2, 0.8]])
    static let bPerTask = split(
        [0, 0, 0, 0, 1, 1], [[0.9, 0.1], [0.8, 0.2], [0.7, 0.3], [0.6, 0.4], [0.2, 0.8], [0.6, 0.4]])

    /// One split's true labels and score rows, as a stage file stores them.
    struct Split: Sendable {
        let labels: [Int]
        let scores: [[Double]]
        var json: [String: Any] { ["labels": labels, "scores": scores] }
    }

    static func split(_ labels: [Int], _ scores: [[Double]]) -> Split { Split(labels: labels, scores: scores) }

    static func evaluation(_ task: String, dev: Split, test: Split) -> [String: Any] {
        [
            "task": task, "labels": ["compliant", "violating"], "compliant_label": "compliant", "dev": dev.json,
            "test": test.json,
        ]
    }

    static func stage(
        _ i: Int, _ task: String, _ method: String, seconds: Double, examples: Int,
        _ evaluations: [[String: Any]]
    ) -> [String: Any] {
        let training: [String: Any] = [
            "epochs_done": 1, "step": 4, "best_dev_accuracy": 0.5, "best_step": 4, "dev_history": [[4, 0.5]],
            "seconds": seconds, "examples": examples, "tokens": examples * 10,
        ]
        return ["stage": i, "task": task, "method": method, "training": training, "evaluations": evaluations]
    }

    static func write(_ object: Any, _ url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try JSONSerialization.data(withJSONObject: object).write(to: url)
    }

    /// A fresh temporary folder holding `moe-cl/` (with run.json and wall.json) and `per-task/`.
    static func runs() throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("eval-report-\(UUID().uuidString)")
        let moe = root.appendingPathComponent("moe-cl"), perTask = root.appendingPathComponent("per-task")
        try write(
            stage(0, "a", "moe-cl", seconds: 10, examples: 100, [evaluation("a", dev: aDevLate, test: aTestEarly)]),
            moe.appendingPathComponent("stage-0.json"))
        try write(
            stage(
                1, "b", "moe-cl", seconds: 30, examples: 300,
                [evaluation("a", dev: aDevLate, test: aTestLate), evaluation("b", dev: bDev, test: bTest)]),
            moe.appendingPathComponent("stage-1.json"))
        try write(["method": "moe-cl", "order": ["a", "b"]], moe.appendingPathComponent("run.json"))
        try write(["method": "moe-cl", "wall_seconds": 55], moe.appendingPathComponent("wall.json"))
        try write(
            stage(0, "a", "per-task", seconds: 5, examples: 50, [evaluation("a", dev: aPerTask, test: aPerTask)]),
            perTask.appendingPathComponent("stage-0.json"))
        try write(
            stage(
                1, "b", "per-task", seconds: 5, examples: 50,
                [evaluation("a", dev: aPerTask, test: aPerTask), evaluation("b", dev: bPerTask, test: bPerTask)]),
            perTask.appendingPathComponent("stage-1.json"))
        return root
    }
}

private func close(_ value: Double?, _ expected: Double) -> Bool {
    guard let value else { return false }
    return abs(value - expected) < 1e-9
}

private func thrown(_ body: () throws -> Void) -> Error? {
    do { try body() } catch { return error }
    return nil
}

@Suite("moecl eval report")
struct EvalReportTests {
    @Test("R, ACC, BwT, FwT, forgetting and training totals")
    func continualMetrics() throws {
        let root = try Fixture.runs()
        defer { try? FileManager.default.removeItem(at: root) }
        let report = try EvalReport(runs: [root.path], precisions: [0.9, 0.7])
        #expect(report.methods.map(\.method) == ["moe-cl", "per-task"])
        #expect(report.precisions == [0.7, 0.9])
        let moe = try #require(report.result("moe-cl")), perTask = try #require(report.result("per-task"))
        #expect(moe.tasks == ["a", "b"] && moe.complete && moe.expectedStages == 2)
        #expect(close(moe.r[0][0], 0.75) && moe.r[0][1] == nil)
        #expect(close(moe.r[1][0], 0.5) && close(moe.r[1][1], 4.0 / 6))
        #expect(close(moe.acc, (0.5 + 4.0 / 6) / 2))
        #expect(close(moe.devAcc, (0 + 5.0 / 7) / 2))
        #expect(close(moe.bwt, -0.25))
        #expect(close(moe.fwt, 4.0 / 6 - 5.0 / 6))
        #expect(moe.fwtReference == perTask.folder)
        #expect(close(moe.forgetting[0], -0.25) && moe.forgetting[1] == nil)
        #expect(close(perTask.acc, (1 + 5.0 / 6) / 2) && close(perTask.bwt, 0) && close(perTask.fwt, 0))
        #expect(close(moe.training.seconds, 40) && moe.training.examples == 400 && moe.training.tokens == 4000)
        #expect(close(moe.training.examplesPerSecond, 10) && close(moe.training.wallSeconds, 55))
        #expect(perTask.training.wallSeconds == nil)
    }

    @Test("last-stage accuracy and macro-F1")
    func lastStage() throws {
        let root = try Fixture.runs()
        defer { try? FileManager.default.removeItem(at: root) }
        let moe = try #require(try EvalReport(runs: [root.path]).result("moe-cl"))
        let b = try #require(moe.lastStage.first { $0.task == "b" })
        #expect(b.count == 6 && close(b.accuracy, 4.0 / 6))
        #expect(close(b.perClassF1[0], 0.75) && close(b.perClassF1[1], 0.5) && close(b.macroF1, 0.625))
    }

    @Test("deployed (dev thresholds) and oracle (test thresholds) reject rates")
    func rejectRates() throws {
        let root = try Fixture.runs()
        defer { try? FileManager.default.removeItem(at: root) }
        let moe = try #require(try EvalReport(runs: [root.path], precisions: [0.7, 0.9]).result("moe-cl"))
        let a = moe.lastStage[0], b = moe.lastStage[1]
        let at90 = b.reject[1], at70 = b.reject[0]
        #expect(at90.targetPrecision == 0.9)
        #expect(at90.deployed.thresholds.map(\.label) == ["compliant", "violating"])
        #expect(
            abs(at90.deployed.thresholds[0].value - 0.8) < 1e-6 && abs(at90.deployed.thresholds[1].value - 0.7) < 1e-6)
        #expect(close(at90.deployed.calibrationRejectRate, 4.0 / 7))
        #expect(
            at90.deployed.decided == 4 && close(at90.deployed.rejectRate, 4.0 / 6)
                && close(at90.deployed.precision, 0.75))
        #expect(close(at70.deployed.rejectRate, 5.0 / 6) && close(at70.deployed.precision, 0.8))
        #expect(close(at90.oracle.rejectRate, 0.5) && close(at90.oracle.calibrationRejectRate, 0.5))
        #expect(close(at90.oracle.precision, 1) && abs(at90.oracle.thresholds[0].value - 0.85) < 1e-6)
        #expect(close(at70.oracle.rejectRate, 5.0 / 6) && close(at70.oracle.precision, 0.8))
        // Task a's dev split admits no threshold: nothing decided, no precision.
        #expect(a.reject[1].deployed.decided == 0 && a.reject[1].deployed.precision == nil)
        #expect(a.reject[1].deployed.thresholds.isEmpty && close(a.reject[1].oracle.rejectRate, 0.5))
        // The 95 % bound on b's 7 dev texts: 2 of 2 right at τ 0.8 bounds precision at 0.22, far below 0.7, so the
        // bounded thresholds decide nothing where the point estimate decided 4 of 6.
        #expect(at90.bounded.decided == 0 && at90.bounded.thresholds.isEmpty && at70.bounded.decided == 0)
    }

    @Test("markdown tables, JSON keys and SVG files")
    func outputs() throws {
        let root = try Fixture.runs()
        defer { try? FileManager.default.removeItem(at: root) }
        let report = try EvalReport(
            runs: [
                root.appendingPathComponent("moe-cl").path,
                root.appendingPathComponent("per-task").path,
            ], precisions: [0.7, 0.9])
        let md = report.markdown(title: "Tiny")
        #expect(md.hasPrefix("# Tiny\n"))
        #expect(md.contains("| method | stages | ACC | BwT | FwT | dev ACC | train time | examples/s |"))
        #expect(md.contains("| moe-cl | 2 | 0.5833 | -0.2500 | -0.1667 | 0.3571 | 40s (wall 55s) | 10.0 |"))
        #expect(md.contains("| per-task | 2 | 0.9167 | +0.0000 | +0.0000 | 0.9167 | 10s | 10.0 |"))
        #expect(md.contains("| b (n = 6) | 0.6667 / 0.6250 | 0.8333 / 0.7778 |"))
        #expect(md.contains("| mean | 0.5833 / 0.5625 | 0.9167 / 0.8889 |"))
        #expect(md.contains("| after a | 0.7500 |  |") && md.contains("| after b | 0.5000 | 0.6667 |"))
        #expect(md.contains("![R matrix](r-moe-cl.svg)") && md.contains("![reject rate](reject-per-task.svg)"))
        let deployed = try #require(md.range(of: "## Reject rate on test (thresholds calibrated on dev)"))
        let oracle = try #require(md.range(of: "## Reject rate, oracle thresholds on test (moe-cl.md §4 metric)"))
        #expect(deployed.upperBound < oracle.lowerBound)
        let deployedPart = md[deployed.upperBound..<oracle.lowerBound], oraclePart = md[oracle.upperBound...]
        #expect(deployedPart.contains("| b | 66.7 % (p 0.75) |") && deployedPart.contains("| b | 83.3 % (p 0.80) |"))
        #expect(deployedPart.contains("| a | — |"))
        #expect(oraclePart.contains("| b | 50.0 % (p 1.00) |") && oraclePart.contains("| a | 50.0 % (p 1.00) |"))

        let plots = report.plots()
        #expect(Set(plots.keys) == ["r-moe-cl.svg", "reject-moe-cl.svg", "r-per-task.svg", "reject-per-task.svg"])
        #expect(plots["r-moe-cl.svg"]!.contains("after b") && plots["r-moe-cl.svg"]!.contains("0.6667"))
        #expect(plots.values.allSatisfy { $0.hasPrefix("<?xml") && $0.contains("</svg>") })

        let json = try #require(try JSONSerialization.jsonObject(with: report.json()) as? [String: Any])
        let methods = try #require(json["methods"] as? [[String: Any]])
        #expect(methods[0]["method"] as? String == "moe-cl")
        #expect(close(methods[0]["bwt"] as? Double, -0.25))
        let last = try #require(methods[0]["last_stage"] as? [[String: Any]])
        #expect(close(last[1]["macro_f1"] as? Double, 0.625))
        let training = try #require(methods[0]["training"] as? [String: Any])
        #expect(close(training["wall_seconds"] as? Double, 55))
    }

    @Test("run folders under the working directory are named relative to it")
    func displayPaths() {
        let cwd = FileManager.default.currentDirectoryPath
        #expect(EvalReport.displayPath(cwd + "/runs/moderation-en/moe-cl") == "runs/moderation-en/moe-cl")
        #expect(EvalReport.displayPath("/elsewhere/runs/x") == "/elsewhere/runs/x")
    }

    @Test("the command writes the report files")
    func command() throws {
        let root = try Fixture.runs()
        defer { try? FileManager.default.removeItem(at: root) }
        let out = root.appendingPathComponent("report")
        let command = try EvalCommand.parse(["--runs", root.path, "--out", out.path, "--precisions", "0.8,0.9"])
        try command.run()
        for name in [
            "report.json", "report.md", "r-moe-cl.svg", "reject-moe-cl.svg", "r-per-task.svg", "reject-per-task.svg",
        ] {
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(name).path), "\(name)")
        }
        #expect(throws: (any Error).self) {
            try EvalCommand.parse(["--runs", root.path, "--out", "x", "--precisions", "1.5"])
        }
    }

    @Test("an incomplete run is reported as far as it got")
    func incomplete() throws {
        let root = try Fixture.runs()
        defer { try? FileManager.default.removeItem(at: root) }
        let sequential = root.appendingPathComponent("sequential")
        try Fixture.write(
            Fixture.stage(
                0, "a", "sequential", seconds: 1, examples: 10,
                [Fixture.evaluation("a", dev: Fixture.aDevLate, test: Fixture.aTestEarly)]),
            sequential.appendingPathComponent("stage-0.json"))
        let report = try EvalReport(runs: [root.path])
        #expect(report.methods.map(\.method) == ["moe-cl", "sequential", "per-task"])
        let s = try #require(report.result("sequential"))
        #expect(!s.complete && s.expectedStages == 2 && close(s.acc, 0.75) && s.bwt == nil && s.fwt == nil)
        #expect(report.markdown().contains("| sequential | 1 of 2 |"))
        #expect(report.markdown().contains("| b (n = 6) | 0.6667 / 0.6250 | n/a |"))
    }

    @Test("missing folders, folders without stages and invalid stage files name the path")
    func errors() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("eval-report-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let missing = root.appendingPathComponent("nowhere").path
        let error = thrown { _ = try EvalReport(runs: [missing]) }
        #expect(error as? EvalReportError == .missingFolder(path: missing))
        #expect("\(error!)".contains(missing))

        let empty = root.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        #expect(thrown { _ = try EvalReport(runs: [empty.path]) } as? EvalReportError == .noStages(path: empty.path))

        let broken = root.appendingPathComponent("broken"), stage0 = broken.appendingPathComponent("stage-0.json")
        try FileManager.default.createDirectory(at: broken, withIntermediateDirectories: true)
        try Data("{ not json".utf8).write(to: stage0)
        let invalid = try #require(thrown { _ = try EvalReport(runs: [broken.path]) })
        guard case .invalidStage(let path, _) = invalid as? EvalReportError else {
            Issue.record("expected invalidStage, got \(invalid)")
            return
        }
        #expect(path == stage0.path && "\(invalid)".contains(stage0.path))

        // A stage that does not cover the earlier tasks is inconsistent: the message names stage-1.json.
        try Fixture.write(
            Fixture.stage(
                0, "a", "moe-cl", seconds: 1, examples: 1,
                [Fixture.evaluation("a", dev: Fixture.aDevLate, test: Fixture.aTestEarly)]), stage0)
        let stage1 = broken.appendingPathComponent("stage-1.json")
        try Fixture.write(
            Fixture.stage(
                1, "b", "moe-cl", seconds: 1, examples: 1,
                [Fixture.evaluation("b", dev: Fixture.bDev, test: Fixture.bTest)]), stage1)
        let short = try #require(thrown { _ = try EvalReport(runs: [broken.path]) })
        #expect("\(short)".contains(stage1.path) && "\(short)".contains("must hold 2"))
        #expect(
            thrown { _ = try EvalReport(runs: [broken.path], precisions: [0]) } as? EvalReportError
                == .invalidPrecision(0))
    }
}
