// The numbers of the evaluation report: R, ACC/BwT/FwT, last-stage accuracy and macro-F1, reject rates, cost.

import Evaluation
import Moderation
import Training

extension EvalReport.MethodResult {
    /// Computes a method's results from its loaded run.
    /// - Parameters:
    ///   - reference: the per-task run, whose `R[i][i]` are the single-task accuracies of FwT when its task order
    ///     agrees with this run's over the stages both have.
    ///   - mostStages: the most stages of any run, the planned length when the run has no run.json.
    init(run: EvalReport.LoadedRun, reference: EvalReport.LoadedRun?, mostStages: Int, precisions: [Double]) {
        let tasks = run.tasks
        let r = run.records.enumerated().map { i, record in
            tasks.indices.map { j -> Double? in j <= i ? record.evaluations[j].test.accuracy : nil }
        }
        let shared = min(tasks.count, reference?.tasks.count ?? 0)
        var single: [Double]?
        if let reference, shared > 0, Array(reference.tasks.prefix(shared)) == Array(tasks.prefix(shared)) {
            single = (0..<shared).map { reference.records[$0].evaluations[$0].test.accuracy }
        }
        let fwt = single.flatMap { ContinualMetrics.fwt(r, single: $0) }
        let expected = run.plannedStages ?? mostStages
        let last = run.records.last!.evaluations
        let devAcc =
            last.map { e in
                ClassificationMetrics(
                    predictions: e.dev.scores.map(EvalReport.top), labels: e.dev.labels,
                    classes: e.labels.count
                ).accuracy
            }.reduce(0, +) / Double(max(1, last.count))
        self.init(
            method: run.method, folder: EvalReport.displayPath(run.folder), tasks: tasks, expectedStages: expected,
            complete: tasks.count >= expected, r: r, acc: ContinualMetrics.acc(r), devAcc: devAcc,
            bwt: ContinualMetrics.bwt(r),
            fwt: fwt, fwtReference: fwt == nil ? nil : reference.map { EvalReport.displayPath($0.folder) },
            forgetting: ContinualMetrics.forgetting(r),
            lastStage: last.map {
                EvalReport.TaskResult(evaluation: $0, precisions: precisions)
            },
            training: EvalReport.TrainingTotals(records: run.records, wallSeconds: run.wallSeconds))
    }
}

extension EvalReport.TaskResult {
    /// Test accuracy, macro-F1 and reject rates of one task's evaluation.
    init(evaluation: TaskEvaluation, precisions: [Double]) {
        let test = evaluation.test
        let metrics = ClassificationMetrics(
            predictions: test.scores.map(EvalReport.top), labels: test.labels, classes: evaluation.labels.count)
        self.init(
            task: evaluation.task, labels: evaluation.labels, compliantLabel: evaluation.compliantLabel,
            count: metrics.count, accuracy: metrics.accuracy, macroF1: metrics.macroF1, perClassF1: metrics.perClassF1,
            reject: precisions.map { target in
                EvalReport.RejectAtPrecision(
                    targetPrecision: target,
                    deployed: EvalReport.RejectOutcome(
                        calibratingOn: evaluation.dev, applyingTo: test, evaluation: evaluation, target: target),
                    bounded: EvalReport.RejectOutcome(
                        calibratingOn: evaluation.dev, applyingTo: test, evaluation: evaluation, target: target,
                        confidence: EvalReport.boundConfidence),
                    oracle: EvalReport.RejectOutcome(
                        calibratingOn: test, applyingTo: test, evaluation: evaluation, target: target))
            })
    }
}

extension EvalReport.RejectOutcome {
    /// Calibrates thresholds on `calibration` at `target` (`ThresholdCalibrator`, by the point estimate or, with
    /// `confidence`, by the Clopper-Pearson lower bound) and applies them to `test` with the deployed `DecisionRule`.
    init(
        calibratingOn calibration: SplitScores, applyingTo test: SplitScores, evaluation: TaskEvaluation,
        target: Double, confidence: Double? = nil
    ) {
        let samples = zip(calibration.scores, calibration.labels).map {
            ThresholdCalibrator.Sample(scores: $0, label: $1)
        }
        let thresholds = ThresholdCalibrator.calibrate(
            samples, labels: evaluation.labels, targetPrecision: target, confidence: confidence)
        let rule = DecisionRule(
            labels: evaluation.labels, compliantLabel: evaluation.compliantLabel, calibration: thresholds)
        var decided = 0, correct = 0
        for (scores, label) in zip(test.scores, test.labels) where rule.decide(scores).isAutomatic {
            decided += 1
            if EvalReport.top(scores) == label { correct += 1 }
        }
        func perLabel(_ values: [String: Double]?) -> [EvalReport.LabelValue] {
            evaluation.labels.compactMap { label in
                values?[label].map { EvalReport.LabelValue(label: label, value: $0) }
            }
        }
        self.init(
            thresholds: perLabel(thresholds.thresholds), calibrationPrecision: perLabel(thresholds.achievedPrecision),
            calibrationRejectRate: thresholds.expectedRejectRate ?? 0,
            rejectRate: test.labels.isEmpty ? 0 : Double(decided) / Double(test.labels.count), decided: decided,
            precision: decided == 0 ? nil : Double(correct) / Double(decided))
    }
}

extension EvalReport.TrainingTotals {
    /// Seconds, examples and tokens summed over `records`.
    init(records: [StageRecord], wallSeconds: Double?) {
        let seconds = records.reduce(0) { $0 + $1.training.seconds }
        let examples = records.reduce(0) { $0 + $1.training.examples }
        self.init(
            seconds: seconds, examples: examples, tokens: records.reduce(0) { $0 + $1.training.tokens },
            examplesPerSecond: seconds > 0 ? Double(examples) / seconds : nil, wallSeconds: wallSeconds)
    }
}

extension EvalReport {
    /// Confidence of the `bounded` thresholds' lower bound.
    public static let boundConfidence = 0.95

    /// Index of the highest score, the first on ties (as `DecisionRule` and `SplitScores.accuracy` pick it).
    static func top(_ scores: [Float]) -> Int {
        var best = 0
        for i in scores.indices where scores[i] > scores[best] { best = i }
        return best
    }
}
