// The evaluation report of `moecl eval`: its data model, built from training-run folders, and its JSON form.

import Foundation

/// What `moecl eval` reports about a set of training runs, computed from their stage records.
///
/// Build it from run folders (each holding `stage-0.json`, `stage-1.json`, …) or folders of run folders, then write
/// it out with `json()`, `markdown(title:)` and `plots()`. Methods appear in display order: moe-cl,
/// moe-cl-no-adversarial, sequential, per-task, logreg, then any other alphabetically.
public struct EvalReport: Sendable, Encodable {
    /// The target precisions of the reject-rate tables when none are given.
    public static let defaultPrecisions = [0.8, 0.9, 0.95, 0.99]
    /// The title of `report.md` when none is given.
    public static let defaultTitle = "Continual-learning results"
    /// Methods listed first, in this order; any other follows alphabetically.
    public static let preferredOrder = ["moe-cl", "moe-cl-no-adversarial", "sequential", "per-task", "logreg"]

    /// Target precisions of the reject-rate tables, ascending, without repeats.
    public let precisions: [Double]
    /// One entry per method, in display order.
    public let methods: [MethodResult]

    /// One method's run: its accuracy matrix, continual-learning metrics, last-stage results and training cost.
    public struct MethodResult: Sendable, Encodable {
        /// The stage records' `method`.
        public let method: String
        /// The run folder read (relative to the working directory when it lies under it).
        public let folder: String
        /// The task trained at each stage read, in order (the columns of `r`).
        public let tasks: [String]
        /// Stages the run was planned to have: run.json's task order, else the most stages of any run given.
        public let expectedStages: Int
        /// Whether every planned stage has a record.
        public let complete: Bool
        /// `r[i][j]`: test accuracy on task j after stage i; nil above the diagonal.
        public let r: [[Double?]]
        /// Mean test accuracy over the tasks after the last stage read.
        public let acc: Double
        /// Mean dev accuracy over the tasks after the last stage read: what settings are chosen on (never test).
        public let devAcc: Double
        /// Backward transfer; nil with fewer than two stages.
        public let bwt: Double?
        /// Forward transfer against the per-task run's accuracies; nil without a per-task run of the same order.
        public let fwt: Double?
        /// The per-task run folder whose `R[i][i]` served as single-task accuracies for `fwt`.
        public let fwtReference: String?
        /// Per task: `R[last][j] − R[j][j]`; nil for the last task.
        public let forgetting: [Double?]
        /// Per task, after the last stage read.
        public let lastStage: [TaskResult]
        /// Training cost summed over the stages.
        public let training: TrainingTotals
    }

    /// One task's test results after a method's last stage.
    public struct TaskResult: Sendable, Encodable {
        public let task: String
        public let labels: [String]
        public let compliantLabel: String?
        /// Test samples.
        public let count: Int
        /// Share of test samples whose top-scoring label is the true label.
        public let accuracy: Double
        /// Macro-F1 of the top-scoring labels (`ClassificationMetrics`).
        public let macroF1: Double
        /// F1 per label, in `labels` order.
        public let perClassF1: [Double]
        /// Reject rates, one per target precision of the report.
        public let reject: [RejectAtPrecision]
    }

    /// Reject rates of one task at one target precision, with deployed and oracle thresholds.
    public struct RejectAtPrecision: Sendable, Encodable {
        public let targetPrecision: Double
        /// Thresholds calibrated on the dev split, applied to the test split (what deployment achieves).
        public let deployed: RejectOutcome
        /// Thresholds calibrated on dev by the one-sided 95 % Clopper-Pearson lower bound of precision (as the
        /// service's evolution runs calibrate), applied to test: the promise that holds on new data.
        public let bounded: RejectOutcome
        /// Thresholds calibrated on the test split itself (moe-cl.md §4's metric).
        public let oracle: RejectOutcome
    }

    /// Thresholds calibrated on one split and what they decide on the test split.
    ///
    /// The reject rate is the share of samples decided automatically (not sent to human review).
    public struct RejectOutcome: Sendable, Encodable {
        /// τ per label, in label order; a label without one is never decided automatically.
        public let thresholds: [LabelValue]
        /// Precision per label on the calibration split (dev when deployed, test for the oracle).
        public let calibrationPrecision: [LabelValue]
        /// Share of the calibration split decided automatically.
        public let calibrationRejectRate: Double
        /// Share of the test split decided automatically.
        public let rejectRate: Double
        /// Test samples decided automatically.
        public let decided: Int
        /// Share of the decided test samples whose decided (top) label is the true label; nil when none was decided.
        public let precision: Double?
    }

    /// A value for one label.
    public struct LabelValue: Sendable, Encodable, Equatable {
        public let label: String
        public let value: Double
    }

    /// Training cost of a run, summed over its stage records.
    public struct TrainingTotals: Sendable, Encodable {
        /// Seconds spent in training steps.
        public let seconds: Double
        public let examples: Int
        public let tokens: Int
        /// Examples per training second; nil when no time was recorded.
        public let examplesPerSecond: Double?
        /// Wall-clock seconds of the whole run (wall.json), when present.
        public let wallSeconds: Double?
    }

    /// Reads every run under `runs` and computes the report.
    /// - Parameters:
    ///   - runs: run folders (holding `stage-0.json`) or folders whose subfolders are run folders.
    ///   - precisions: target precisions in (0, 1] for the reject rates.
    /// - Throws: `EvalReportError` for a missing folder, a folder without stage records, an unreadable or invalid
    ///   stage file, two runs of one method, or a precision outside (0, 1].
    public init(runs: [String], precisions: [Double] = EvalReport.defaultPrecisions) throws {
        guard !runs.isEmpty else { throw EvalReportError.noRuns }
        for p in precisions where !(p > 0 && p <= 1) { throw EvalReportError.invalidPrecision(p) }
        let targets = Array(Set(precisions)).sorted()
        var folders: [String] = []
        for path in runs {
            for folder in try Self.runFolders(in: path) where !folders.contains(folder) { folders.append(folder) }
        }
        var byMethod: [String: LoadedRun] = [:]
        for run in try folders.map(Self.loadRun) {
            if let other = byMethod[run.method] {
                throw EvalReportError.duplicateMethod(method: run.method, folders: [other.folder, run.folder])
            }
            byMethod[run.method] = run
        }
        let mostStages = byMethod.values.map(\.records.count).max() ?? 0
        let reference = byMethod["per-task"]
        self.precisions = targets
        methods = Self.displayOrder(Array(byMethod.keys)).map { method in
            MethodResult(run: byMethod[method]!, reference: reference, mostStages: mostStages, precisions: targets)
        }
    }

    /// `methods` sorted for display: `preferredOrder` first, then the rest alphabetically.
    public static func displayOrder(_ methods: [String]) -> [String] {
        methods.sorted { a, b in
            let rankA = preferredOrder.firstIndex(of: a) ?? preferredOrder.count
            let rankB = preferredOrder.firstIndex(of: b) ?? preferredOrder.count
            return rankA != rankB ? rankA < rankB : a < b
        }
    }

    /// The result for `method`, when the report has it.
    public func result(_ method: String) -> MethodResult? {
        methods.first { $0.method == method }
    }

    /// The report as pretty-printed JSON with snake_case, sorted keys (`report.json`).
    public func json() -> Data {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        do {
            return try encoder.encode(self) + Data("\n".utf8)
        } catch {
            // Only strings, numbers (non-finite ones as strings), arrays and optionals are encoded: cannot fail.
            preconditionFailure("encoding the evaluation report failed: \(error)")
        }
    }
}
