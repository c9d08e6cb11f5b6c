// `moecl export-feedback`: humans' verdicts of one task as JSONL training data for its next expert version.

import ArgumentParser
import Foundation
import Logging
import ModelFormats
import ServiceStore

/// Reads the verdicts of `--task` from the service's state database (safe while `moecl serve` runs: SQLite WAL
/// readers do not block the writer) and writes one `{"text", "label", ...}` line per verdict, oldest first, in
/// the format `moecl train --data` and `moecl calibrate --data` read.
public struct ExportFeedbackCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "export-feedback",
        abstract: "Write a task's review verdicts as JSONL training data.",
        discussion: """
            Each line: text, label (the human verdict), and for tracing review_id, kind (review or audit),
            model_label (what the expert said), expert_version, verdict_at (seconds since 1970).
            Examples:
              moecl export-feedback --task sms-spam > feedback.jsonl
              moecl export-feedback --task sms-spam --state /var/lib/moecl --kind audit --out audit.jsonl
              moecl export-feedback --task sms-spam --database-url postgresql://moecl@db/moecl
            """)

    @Option(help: "Task whose verdicts are exported.")
    public var task: String
    @Option(help: "State folder of the service, holding moecl.sqlite (default: MOECL_STATE, else state).")
    public var state: String = ProcessInfo.processInfo.environment["MOECL_STATE"] ?? "state"
    @Option(help: "PostgreSQL URL of a replicated service, instead of --state (default: MOECL_DATABASE_URL).")
    public var databaseURL: String = ProcessInfo.processInfo.environment["MOECL_DATABASE_URL"] ?? ""
    @Option(help: "Only items of this kind: review, audit or all.")
    public var kind: String = "all"
    @Option(help: "Write here (atomically) instead of standard output.")
    public var out: String?

    public init() {}

    public func validate() throws {
        guard ["review", "audit", "all"].contains(kind) else {
            throw ValidationError("--kind must be review, audit or all, got \(kind)")
        }
    }

    public func run() throws {
        let path = (state as NSString).appendingPathComponent("moecl.sqlite")
        guard !databaseURL.isEmpty || FileManager.default.fileExists(atPath: path) else {
            throw ValidationError(
                "no state database at \(path): pass the --state folder that moecl serve uses (MOECL_STATE), "
                    + "or its --database-url"
            )
        }
        let reviews = try ReviewStore(
            database: try openDatabase(url: databaseURL.isEmpty ? nil : databaseURL, sqlitePath: path))
        let items = try reviews.verdicts(task: task).filter { kind == "all" || $0.kind.rawValue == kind }
        var text = ""
        for item in items { text += try Self.line(item) + "\n" }
        if let out {
            try AtomicFileWriter.writeAtomically(Array(text.utf8), to: out)
        } else {
            FileHandle.standardOutput.write(Data(text.utf8))
        }
        let known = try reviews.tasks()
        let hint =
            items.isEmpty && !known.contains(task) ? " (tasks with review items: \(known.joined(separator: ", ")))" : ""
        Logger(label: "moecl.export-feedback").notice(
            "export-feedback: \(items.count) verdicts of \(task)\(out.map { " to \($0)" } ?? "")\(hint)")
    }

    /// One JSONL line; keys sorted so the output is stable.
    static func line(_ item: ReviewItem) throws -> String {
        let object: [String: Any] = [
            "text": item.text, "label": item.verdict ?? "", "review_id": item.id, "kind": item.kind.rawValue,
            "model_label": item.label, "expert_version": item.expertVersion, "verdict_at": item.verdictAt ?? 0,
        ]
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }
}
