// `moecl eval`: reads training-run folders and writes the evaluation report (JSON, Markdown, SVG plots).

import ArgumentParser
import Foundation
import Logging

/// Computes an `EvalReport` from run folders and writes report.json, report.md and the SVG plots into --out.
public struct EvalCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Write the evaluation report (JSON, Markdown, SVG plots) of training runs.",
        discussion: """
            Each --runs DIR is a run folder written by moecl train --suite (holding stage-0.json, stage-1.json, …) \
            or a folder whose subfolders are run folders. Stages are read in order up to the first missing file, \
            so an unfinished run is reported as far as it got (and marked incomplete). Each method may appear \
            once; a run named per-task with the same task order gives the single-task accuracies of FwT.

            Written into --out (created): report.json (everything, snake_case keys), report.md (summary, test \
            accuracy and macro-F1 after the last stage, R matrices, reject rates with dev-calibrated and with \
            oracle test thresholds), r-<method>.svg (R heat map) and reject-<method>.svg (deployed reject rate \
            per target precision). The reject rate is the share of texts decided automatically, not sent to review.

            Examples:
              moecl eval --runs runs/moderation-en --out reports/moderation-en
              moecl eval --runs runs/a/moe-cl --runs runs/a/per-task --out /tmp/r --precisions 0.9,0.99
            """)

    @Option(
        name: .long,
        help: ArgumentHelp(
            "A run folder (holding stage-0.json) or a folder of run folders; repeatable.", valueName: "dir"))
    public var runs: [String]

    @Option(
        name: .long,
        help: ArgumentHelp("Folder to write report.json, report.md and the SVG plots into (created).", valueName: "dir")
    )
    public var out: String

    @Option(
        name: .long,
        help: ArgumentHelp("Target precisions of the reject rates, comma-separated, each in (0, 1].", valueName: "list")
    )
    public var precisions: String = EvalReport.defaultPrecisions.map { "\($0)" }.joined(separator: ",")

    @Option(name: .long, help: ArgumentHelp("Top heading of report.md.", valueName: "text"))
    public var title: String = EvalReport.defaultTitle

    @Flag(
        help: ArgumentHelp(
            "Learning curves instead: every finished run under --runs (recursively, prefix/ folders skipped), "
                + "grouped by method and labels of its last task, mean and 95 % interval over seeds."))
    public var curve = false

    @Option(
        name: .customLong("curve-points"),
        help: ArgumentHelp(
            "With --curve: an earlier report.json whose points are kept for every method, label count and seed no "
                + "run under --runs has (repeatable; e.g. the committed report of an earlier session).",
            valueName: "file"))
    public var curvePoints: [String] = []

    public init() {}

    public func validate() throws {
        guard !runs.isEmpty else {
            throw ValidationError("pass at least one --runs DIR (a run folder or a folder of run folders)")
        }
        guard !out.isEmpty else { throw ValidationError("--out must name the report folder") }
        _ = try Self.parsePrecisions(precisions)
    }

    public func run() throws {
        if curve {
            let report = try LearningCurveReport(
                runs: runs, precisions: Self.parsePrecisions(precisions), earlier: curvePoints)
            var files = [("report.json", report.json()), ("report.md", Data(report.markdown(title: title).utf8))]
            files += report.plots().sorted { $0.key < $1.key }.map { ($0.key, Data($0.value.utf8)) }
            try write(files)
            return
        }
        let report = try EvalReport(runs: runs, precisions: Self.parsePrecisions(precisions))
        var files = [("report.json", report.json()), ("report.md", Data(report.markdown(title: title).utf8))]
        files += report.plots().sorted { $0.key < $1.key }.map { ($0.key, Data($0.value.utf8)) }
        try write(files)
        for m in report.methods where !m.complete {
            Logger(label: "moecl.eval").notice(
                "note: \(m.method) is incomplete (\(m.tasks.count) of \(m.expectedStages) stages in \(m.folder))")
        }
    }

    /// Writes `files` into --out (created), printing each path.
    func write(_ files: [(String, Data)]) throws {
        let root = URL(fileURLWithPath: out)
        do {
            try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        } catch {
            throw EvalReportError.cannotWrite(path: out, reason: error.localizedDescription)
        }
        for (name, data) in files {
            let path = root.appendingPathComponent(name)
            do { try data.write(to: path, options: .atomic) } catch {
                throw EvalReportError.cannotWrite(path: path.path, reason: error.localizedDescription)
            }
            print(path.path)
        }
    }

    /// The comma-separated target precisions of `text`, each in (0, 1].
    /// - Throws: `ValidationError` naming the first value that is not a number in (0, 1].
    public static func parsePrecisions(_ text: String) throws -> [Double] {
        let parts = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard !parts.isEmpty else {
            throw ValidationError("--precisions needs at least one value, e.g. 0.8,0.9,0.95,0.99")
        }
        return try parts.map { part in
            guard let value = Double(part), value > 0, value <= 1 else {
                throw ValidationError("--precisions: '\(part)' is not a number in (0, 1]; pass e.g. 0.8,0.9,0.95,0.99")
            }
            return value
        }
    }
}
