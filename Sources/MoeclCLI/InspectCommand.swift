// `moecl inspect`: the metadata and tensors of an expert file, or the manifest and files of a bundle folder.

import ArgumentParser
import Foundation
import Logging
import MoELoRA
import ModelFormats
import Moderation

/// Prints what an expert file or a bundle holds, as text or as one JSON object; checks a bundle's checksums.
public struct InspectCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show an expert file's metadata and tensors, or a bundle's manifest and files.",
        discussion: """
            PATH is an expert .safetensors file or a bundle folder (one holding manifest.json). For a file: \
            kind, task, labels, rank, alpha, version, base fingerprint, creation time, training summary, \
            calibration, then every tensor (name, dtype, shape, bytes) and totals. A safetensors file that is \
            not a moecl expert is still listed (its raw metadata and tensors), with a note, and exits 0. \
            For a bundle: the manifest, each file's SHA-256 checked against it (OK, MISMATCH or MISSING), then \
            each file as above.

            The exit status is non-zero when PATH cannot be read, or when anything is wrong with it: a checksum \
            mismatch, a missing or unreadable file, invalid metadata, or a file that does not match its \
            manifest entry. The report is printed first and the problems follow on standard error.

            Examples:
              moecl inspect experts/default
              moecl inspect experts/default/tasks/spam.safetensors
              moecl inspect --json experts/default | jq '.files[].checksum'
            """)

    @Argument(
        help: ArgumentHelp(
            "An expert .safetensors file, or a bundle folder holding manifest.json.",
            valueName: "path"))
    public var path: String

    @Flag(
        name: .long, help: "Print one JSON object (metadata as stored in the file, tensors as a list) instead of text.")
    public var json = false

    public init() {}

    public func run() throws {
        if ExpertBundle.isBundle(path) {
            try inspectBundle()
            return
        }
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue {
            throw NotInspectable(
                description: "\(path) is a folder without \(BundleManifest.fileName): pass an "
                    + "expert .safetensors file or a bundle folder")
        }
        let report = Report.examine(path: path)
        if report.file == nil, let error = report.error { throw error }
        if json {
            try Self.printJSON(report.jsonObject())
        } else {
            print(report.text(), terminator: "")
        }
        try Self.fail(report.problems)
    }

    /// A path that is neither a file nor a bundle folder; `description` says what to pass instead.
    struct NotInspectable: Error, CustomStringConvertible {
        let description: String
    }

    // MARK: Bundles

    private func inspectBundle() throws {
        let manifest = try ExpertBundle.readManifest(folder: path)
        let root = URL(fileURLWithPath: path)
        var problems: [String] = []
        var rows: [(entry: BundleManifest.Entry, actual: String?, checksum: String, report: Report)] = []
        for entry in [manifest.shared] + manifest.tasks {
            let filePath = root.appendingPathComponent(entry.file).path
            var actual: String?
            let checksum: String
            do {
                let digest = try FileDigest.sha256(path: filePath)
                actual = digest
                checksum = digest == entry.sha256.lowercased() ? "OK" : "MISMATCH"
                if checksum == "MISMATCH" {
                    problems.append(
                        ExpertError.checksumMismatch(
                            path: filePath, expected: entry.sha256, actual: digest
                        ).description)
                }
            } catch let error as ModelFormatsError {
                if case .fileNotFound = error { checksum = "MISSING" } else { checksum = "UNREADABLE" }
                problems.append(error.description)
            }
            var report = checksum == "MISSING" ? Report(path: filePath) : Report.examine(path: filePath)
            if checksum != "MISSING" { report.check(against: entry, manifest: manifest) }
            problems += report.problems.filter { !problems.contains($0) }
            rows.append((entry, actual, checksum, report))
        }

        if json {
            var files: [[String: Any]] = []
            for row in rows {
                var object = row.report.jsonObject()
                object["file"] = row.entry.file
                object["task"] = row.entry.task ?? NSNull()
                object["manifest_version"] = row.entry.version
                object["sha256"] = row.entry.sha256
                object["actual_sha256"] = row.actual ?? NSNull()
                object["checksum"] = row.checksum
                files.append(object)
            }
            let manifestObject = try JSONSerialization.jsonObject(with: JSONEncoder().encode(manifest))
            try Self.printJSON(["path": path, "manifest": manifestObject, "files": files, "problems": problems])
        } else {
            var out = "bundle: \(path)\n"
            out += "format: \(manifest.format) version \(manifest.formatVersion)\n"
            out += "base fingerprint: \(manifest.baseModelSHA256)\n"
            out += "created at: \(manifest.createdAt)\n"
            out += "files (shared + \(manifest.tasks.count) task\(manifest.tasks.count == 1 ? "" : "s")):\n"
            out += Self.table(
                header: ["FILE", "EXPERT", "VERSION", "SHA-256 (MANIFEST)", "CHECK"],
                rows: rows.map { row in
                    [
                        row.entry.file, row.entry.task.map { "task \($0)" } ?? "shared", "\(row.entry.version)",
                        String(row.entry.sha256.prefix(16)) + "…", row.checksum,
                    ]
                })
            for row in rows {
                out += "\n== \(row.entry.file) ==\n"
                out += row.report.file == nil && row.checksum == "MISSING" ? "missing\n" : row.report.text()
            }
            out +=
                "\nstatus: " + (problems.isEmpty ? "ok" : "\(problems.count) problem\(problems.count == 1 ? "" : "s")")
                + "\n"
            print(out, terminator: "")
        }
        try Self.fail(problems)
    }

    // MARK: Output helpers

    /// Writes `problems` to stderr and exits non-zero, or returns when there are none.
    private static func fail(_ problems: [String]) throws {
        guard !problems.isEmpty else { return }
        let log = Logger(label: "moecl.inspect")
        for problem in problems { log.error("Error: \(problem)") }
        throw ExitCode.failure
    }

    private static func printJSON(_ object: [String: Any]) throws {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        FileHandle.standardOutput.write(data + Data("\n".utf8))
    }

    /// Left-aligned columns (the last numeric-looking column right-aligned), two spaces apart, indented by two.
    static func table(header: [String], rows: [[String]], rightAligned: Set<Int> = []) -> String {
        let all = [header] + rows
        let widths = header.indices.map { c in all.map { $0[c].count }.max() ?? 0 }
        return all.map { cells in
            "  "
                + cells.enumerated().map { c, cell in
                    let pad = String(repeating: " ", count: widths[c] - cell.count)
                    if rightAligned.contains(c) { return pad + cell }
                    return c == cells.count - 1 ? cell : cell + pad
                }.joined(separator: "  ") + "\n"
        }.joined()
    }

    /// What was found in one file: the opened container, its expert metadata, notes and problems.
    struct Report {
        let path: String
        var file: SafeTensorsFile?
        var metadata: ExpertMetadata?
        /// Why the file is shown as a plain safetensors file (not an expert); not a problem.
        var note: String?
        /// What is wrong (each makes the exit status non-zero).
        var problems: [String] = []
        /// The error that kept the file from being opened at all.
        var error: Error?
        init(path: String) { self.path = path }

        /// Opens `path` as an expert file; falls back to a plain safetensors listing when it is not one (or when its
        /// metadata is invalid, which is then a problem).
        static func examine(path: String) -> Report {
            var report = Report(path: path)
            do {
                (report.file, report.metadata) = try ExpertFile.open(path: path)
                return report
            } catch let error as ExpertError {
                if case .file(let inner) = error {
                    report.error = inner
                    report.problems.append(inner.description)
                    return report
                }
                do { report.file = try SafeTensorsFile(path: path) } catch {
                    report.error = error
                    report.problems.append("\(error)")
                    return report
                }
                if case .notAnExpertFile(_, let format) = error {
                    report.note =
                        "not a moecl expert file ("
                        + (format.map { "its format is '\($0)'" } ?? "no 'format' metadata entry")
                        + "): shown as a plain safetensors file"
                } else if case .tooLarge = error,
                    report.file?.metadata["format"].flatMap(ExpertKind.init(rawValue:)) == nil
                {
                    report.note =
                        "not a moecl expert file (no moecl 'format' metadata entry): shown as a plain "
                        + "safetensors file"
                } else {
                    report.error = error
                    report.problems.append(error.description)
                }
                return report
            } catch {
                report.error = error
                report.problems.append("\(error)")
                return report
            }
        }

        /// Adds problems where the file disagrees with its manifest entry (kind, task, base fingerprint).
        mutating func check(against entry: BundleManifest.Entry, manifest: BundleManifest) {
            guard let file, let metadata else {
                if file != nil, note != nil {
                    problems.append("\(path): not a moecl expert file, but the manifest lists it")
                }
                return
            }
            let expected: ExpertKind = entry.task == nil ? .shared : .task
            if metadata.kind != expected {
                problems.append(
                    ExpertError.wrongKind(path: file.path, found: metadata.kind, expected: expected).description)
            } else if let task = entry.task, metadata.task != task {
                problems.append(
                    ExpertError.taskMismatch(path: file.path, expected: task, found: metadata.task).description)
            }
            if metadata.baseModelSHA256 != manifest.baseModelSHA256.lowercased() {
                problems.append(
                    "\(file.path): base fingerprint \(metadata.baseModelSHA256.prefix(12))… differs from the "
                        + "manifest's \(manifest.baseModelSHA256.prefix(12))…; re-create the bundle from experts "
                        + "of one base model")
            }
        }

        var fileSize: Int? {
            (try? FileManager.default.attributesOfItem(atPath: path)[.size]) as? Int
        }

        /// The report as text lines.
        func text() -> String {
            guard let file else { return problems.map { "error: \($0)\n" }.joined() }
            var out = "file: \(path)" + (fileSize.map { " (\($0) bytes)" } ?? "") + "\n"
            if let metadata {
                out += Self.text(of: metadata)
            } else {
                if let note { out += "\(note)\n" }
                for problem in problems { out += "error: \(problem)\n" }
                if file.metadata.isEmpty {
                    out += "metadata: none\n"
                } else {
                    out += "metadata:\n"
                    for (key, value) in file.metadata.sorted(by: { $0.key < $1.key }) { out += "  \(key): \(value)\n" }
                }
            }
            let infos = file.names.compactMap(file.info)
            out += "tensors:\n"
            out += InspectCommand.table(
                header: ["NAME", "DTYPE", "SHAPE", "BYTES"],
                rows: infos.map { [$0.name, $0.dtype.rawValue, "\($0.shape)", "\($0.byteCount)"] },
                rightAligned: [3])
            let elements = infos.reduce(0) { $0 + $1.elementCount }
            let bytes = infos.reduce(0) { $0 + $1.byteCount }
            out += "total: \(infos.count) tensor\(infos.count == 1 ? "" : "s"), \(elements) values, \(bytes) bytes\n"
            return out
        }

        private static func text(of m: ExpertMetadata) -> String {
            var out = "kind: \(m.kind == .task ? "task expert" : "shared expert") (\(m.kind.rawValue))\n"
            if m.kind == .task {
                out += "task: \(m.task)\n"
                out += "labels: \(m.labels.joined(separator: ", "))\n"
                out += "compliant label: \(m.compliantLabel ?? "none (not a moderation task)")\n"
            }
            out += "rank: \(m.rank)\nalpha: \(m.alpha)\nversion: \(m.version)\n"
            out += "base fingerprint: \(m.baseModelSHA256)\n"
            out += "base family: \(m.baseFamily ?? "not recorded (bert)")\n"
            if m.kind == .task {
                out +=
                    "prompt template: \(m.promptTemplate.map { $0.text.debugDescription } ?? "none (the plain text)")\n"
            }
            out += "created at: \(m.createdAt.isEmpty ? "unknown" : m.createdAt)\n"
            out += "training: \(m.training)\n"
            guard let c = m.calibration else {
                return out + (m.kind == .task ? "calibration: none (no decisions: every text is scored only)\n" : "")
            }
            out += "calibration:\n"
            out += "  target precision: \(c.targetPrecision)\n"
            let ordered =
                m.labels.filter { c.thresholds[$0] != nil }
                + c.thresholds.keys.filter { !m.labels.contains($0) }.sorted()
            out +=
                "  thresholds: "
                + (ordered.isEmpty
                    ? "none (every text goes to review)"
                    : ordered.map { "\($0) \(c.thresholds[$0]!)" }.joined(separator: ", ")) + "\n"
            out += "  expected reject rate: \(c.expectedRejectRate.map { "\($0)" } ?? "not measured")\n"
            if let achieved = c.achievedPrecision {
                out +=
                    "  achieved precision: "
                    + achieved.sorted(by: { $0.key < $1.key }).map { "\($0.key) \($0.value)" }.joined(separator: ", ")
                    + "\n"
            }
            if let samples = c.samples { out += "  samples: \(samples)\n" }
            if let at = c.calibratedAt { out += "  calibrated at: \(at)\n" }
            return out
        }

        /// The report as a JSON object: metadata as the file stores it (`ExpertMetadata.encoded()`, or the raw
        /// `__metadata__` of a plain file), tensors in file order.
        func jsonObject() -> [String: Any] {
            var object: [String: Any] = ["path": path, "expert": metadata != nil, "problems": problems]
            if let size = fileSize { object["size"] = size }
            if let note { object["note"] = note }
            guard let file else { return object }
            object["metadata"] = metadata?.encoded() ?? file.metadata
            let infos = file.names.compactMap(file.info)
            object["tensors"] = infos.map {
                ["name": $0.name, "dtype": $0.dtype.rawValue, "shape": $0.shape, "bytes": $0.byteCount] as [String: Any]
            }
            object["tensor_count"] = infos.count
            object["tensor_bytes"] = infos.reduce(0) { $0 + $1.byteCount }
            return object
        }
    }
}
