// `moecl eval --curve`: how each method learns one task from few labels, over seeds (issue 18's learning curves).

import Evaluation
import Foundation
import Training

/// Learning curves of the last task of every run found under the given folders (as written by
/// scripts/results/learning_curve.sh: `<method>/n<N>/s<seed>`, prefix runs skipped): per method and number of
/// labels, the test accuracy, dev accuracy and reject rates (dev-calibrated thresholds applied to test) as the mean
/// over seeds with a 95 % Student-t interval, and each method's difference to per-task LoRA paired by seed (the
/// same seed draws the same labels for every method).
public struct LearningCurveReport: Sendable, Encodable {
    /// The task every run ends with.
    public let task: String
    /// Its test texts.
    public let testCount: Int
    public let precisions: [Double]
    /// One per method and label count, in method display order then ascending labels.
    public let cells: [Cell]
    /// Each other method minus per-task, per label count, paired by seed.
    public let differences: [Difference]
    /// Runs found but left out (unfinished), by folder.
    public let incomplete: [String]

    /// One run's figures on the curve task.
    public struct Point: Sendable, Codable {
        public let seed: UInt64
        public let folder: String
        public let accuracy: Double
        public let devAccuracy: Double
        /// Deployed reject rate and precision per target precision, in `precisions` order.
        public let rejectRates: [Double]
        public let rejectPrecisions: [Double?]
        /// Seconds of training steps on the curve task.
        public let trainSeconds: Double
    }

    /// One method at one label count.
    public struct Cell: Sendable, Encodable {
        public let method: String
        public let labels: Int
        public let points: [Point]
        public let accuracy: SeedInterval
        public let devAccuracy: SeedInterval
        /// Per target precision: the reject rate over seeds, and the precision achieved over the seeds that decided.
        public let rejectRate: [SeedInterval]
        public let rejectPrecision: [SeedInterval?]
    }

    /// `method − per-task` at one label count over the seeds both have.
    public struct Difference: Sendable, Encodable {
        public let method: String
        public let labels: Int
        public let seeds: [UInt64]
        public let accuracy: SeedInterval
        public let rejectRate: [SeedInterval]
    }

    /// Reads every finished run under `runs` (recursively; folders named `prefix` are skipped), then adds the points
    /// of `earlier` reports (report.json files this type wrote, e.g. committed by an earlier session whose run folders
    /// are gone) for every method, label count and seed no run here has.
    /// - Throws: `EvalReportError` for missing folders, no runs, unreadable stage records, runs that end with
    ///   different tasks, a run without recorded label counts, two runs of one method, label count and seed, or an
    ///   earlier report that is unreadable or is of another task or other target precisions.
    public init(runs: [String], precisions: [Double] = [0.9, 0.95], earlier: [String] = []) throws {
        guard !runs.isEmpty else { throw EvalReportError.noRuns }
        for p in precisions where !(p > 0 && p <= 1) { throw EvalReportError.invalidPrecision(p) }
        let targets = Array(Set(precisions)).sorted()
        var folders: [String] = []
        for path in runs {
            for folder in try Self.runFolders(under: path) where !folders.contains(folder) { folders.append(folder) }
        }
        guard !folders.isEmpty || !earlier.isEmpty else {
            throw EvalReportError.noStages(path: runs.joined(separator: ", "))
        }
        var byKey: [String: [Int: [UInt64: Point]]] = [:]
        var task: String?, testCount = 0, incomplete: [String] = []
        for folder in folders {
            let run = try EvalReport.loadRun(folder)
            guard run.records.count >= (run.plannedStages ?? run.records.count) else {
                incomplete.append(EvalReport.displayPath(folder))
                continue
            }
            let last = run.records.last!
            guard let labels = last.trainExamples else { throw EvalReportError.noLabelCount(path: folder) }
            let evaluation = last.evaluations.last!
            if let task, task != evaluation.task {
                throw EvalReportError.curveTasksDiffer(tasks: [task, evaluation.task], folder: folder)
            }
            task = evaluation.task
            testCount = evaluation.test.labels.count
            let seed = try Self.seed(of: folder)
            let result = EvalReport.TaskResult(evaluation: evaluation, precisions: targets)
            let dev = ClassificationMetrics(
                predictions: evaluation.dev.scores.map(EvalReport.top), labels: evaluation.dev.labels,
                classes: evaluation.labels.count
            ).accuracy
            let point = Point(
                seed: seed, folder: EvalReport.displayPath(folder), accuracy: result.accuracy, devAccuracy: dev,
                rejectRates: result.reject.map(\.deployed.rejectRate),
                rejectPrecisions: result.reject.map(\.deployed.precision), trainSeconds: last.training.seconds)
            if let other = byKey[run.method]?[labels]?[seed] {
                throw EvalReportError.duplicateMethod(
                    method: "\(run.method) (\(labels) labels, seed \(seed))",
                    folders: [other.folder, point.folder])
            }
            byKey[run.method, default: [:]][labels, default: [:]][seed] = point
        }
        for path in earlier {
            let previous = try Self.readEarlier(path)
            if let task, task != previous.task {
                throw EvalReportError.curveTasksDiffer(tasks: [task, previous.task], folder: path)
            }
            guard previous.precisions == targets else {
                throw EvalReportError.unreadableStage(
                    path: path,
                    reason: "its reject rates are at precisions \(previous.precisions), this report's at \(targets)")
            }
            task = previous.task
            testCount = previous.testCount
            for cell in previous.cells {
                for point in cell.points where byKey[cell.method]?[cell.labels]?[point.seed] == nil {
                    byKey[cell.method, default: [:]][cell.labels, default: [:]][point.seed] = point
                }
            }
        }
        guard let task else { throw EvalReportError.noStages(path: runs.joined(separator: ", ")) }
        self.task = task
        self.testCount = testCount
        self.precisions = targets
        self.incomplete = incomplete
        var cells: [Cell] = []
        for method in EvalReport.displayOrder(Array(byKey.keys)) {
            for (labels, bySeed) in byKey[method]!.sorted(by: { $0.key < $1.key }) {
                let points = bySeed.values.sorted { $0.seed < $1.seed }
                cells.append(
                    Cell(
                        method: method, labels: labels, points: points,
                        accuracy: SeedInterval(points.map(\.accuracy))!,
                        devAccuracy: SeedInterval(points.map(\.devAccuracy))!,
                        rejectRate: targets.indices.map { k in SeedInterval(points.map { $0.rejectRates[k] })! },
                        rejectPrecision: targets.indices.map { k in
                            SeedInterval(points.compactMap { $0.rejectPrecisions[k] })
                        }))
            }
        }
        self.cells = cells
        var differences: [Difference] = []
        for cell in cells where cell.method != "per-task" {
            guard let reference = byKey["per-task"]?[cell.labels] else { continue }
            let pairs = cell.points.compactMap { p in reference[p.seed].map { (p, $0) } }
            guard let accuracy = SeedInterval(pairs.map { $0.accuracy - $1.accuracy }) else { continue }
            differences.append(
                Difference(
                    method: cell.method, labels: cell.labels, seeds: pairs.map(\.0.seed), accuracy: accuracy,
                    rejectRate: targets.indices.map { k in
                        SeedInterval(pairs.map { $0.rejectRates[k] - $1.rejectRates[k] })!
                    }))
        }
        self.differences = differences
    }

    /// The cell of `method` at `labels`, when there is one.
    public func cell(_ method: String, labels: Int) -> Cell? {
        cells.first { $0.method == method && $0.labels == labels }
    }

    /// Methods in display order, and the label counts, ascending.
    public var methods: [String] { EvalReport.displayOrder(Array(Set(cells.map(\.method)))) }
    public var labelCounts: [Int] { Array(Set(cells.map(\.labels))).sorted() }

    /// Run folders under `path` (itself included), skipping any folder named `prefix` and what lies below it.
    static func runFolders(under path: String) throws -> [String] {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            throw EvalReportError.missingFolder(path: path)
        }
        guard isFolder.boolValue else { throw EvalReportError.notAFolder(path: path) }
        var found: [String] = []
        func walk(_ folder: URL) {
            if FileManager.default.fileExists(atPath: folder.appendingPathComponent("stage-0.json").path) {
                found.append(folder.standardizedFileURL.path)
                return
            }
            let children =
                (try? FileManager.default.contentsOfDirectory(
                    at: folder, includingPropertiesForKeys: [.isDirectoryKey])) ?? []
            for child in children.sorted(by: { $0.path < $1.path }) where child.lastPathComponent != "prefix" {
                if (try? child.resourceValues(forKeys: [.isDirectoryKey]).isDirectory) == true { walk(child) }
            }
        }
        walk(URL(fileURLWithPath: path))
        return found
    }

    /// The run's seed: run.json's `options.seed` (LoRA runs) or `seed` (logreg).
    static func seed(of folder: String) throws -> UInt64 {
        struct RunFile: Decodable {
            struct Options: Decodable { let seed: UInt64 }
            let options: Options?
            let seed: UInt64?
        }
        let path = URL(fileURLWithPath: folder).appendingPathComponent("run.json")
        guard let data = try? Data(contentsOf: path),
            let run = try? JSONDecoder().decode(RunFile.self, from: data),
            let seed = run.options?.seed ?? run.seed
        else { throw EvalReportError.noSeed(path: path.path) }
        return seed
    }

    /// What `readEarlier` keeps of a report.json.
    struct Earlier: Decodable {
        struct Cell: Decodable {
            let method: String
            let labels: Int
            let points: [Point]
        }
        let task: String
        let testCount: Int
        let precisions: [Double]
        let cells: [Cell]
    }

    static func readEarlier(_ path: String) throws -> Earlier {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        do {
            return try decoder.decode(Earlier.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw EvalReportError.unreadableStage(path: path, reason: "not a learning-curve report.json (\(error))")
        }
    }

    /// The report as pretty-printed JSON with snake_case, sorted keys.
    public func json() -> Data {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        do {
            return try encoder.encode(self) + Data("\n".utf8)
        } catch {
            preconditionFailure("encoding the learning-curve report failed: \(error)")
        }
    }
}
