// `moecl scene-fit`: fits each task expert's scene detector on a suite's texts and writes the bundle with them.

import ArgumentParser
import Evaluation
import Foundation
import MoELoRA
import Training

/// For every task of the bundle that the suite has: a logistic regression, in the task's own readout (the head's
/// input, L2-normalised), of up to --profile of its training texts against as many of every other suite task's;
/// L2 chosen on dev (own dev texts against the others'); the threshold lets --keep of the task's own dev texts
/// through. Writes the bundle with the detectors (versions unchanged) into --out.
public struct SceneFitCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "scene-fit",
        abstract: "Fit each task expert's scene detector (out-of-scene texts to review) on a suite's texts.",
        discussion: """
            The scene guard (docs/FORMATS.md, openapi.yaml: PUT /v1/tasks/{task}/scene-guard) sends texts that do \
            not look like a task's own texts to review instead of deciding them. The detector is fitted here and \
            off until --enable or the route switches it on. A retrained expert version carries none: refit it.

            Example:
              moecl scene-fit --suite ../shared/data/moderation-en --experts experts/default --out /tmp/guarded
            """)

    @OptionGroup public var modelOptions: ModelOptions
    @OptionGroup public var expertOptions: ExpertOptions

    @Option(help: "Suite folder (tasks.json and one folder per task with train/dev jsonl).")
    public var suite: String
    @Option(help: "Folder to write the bundle with the detectors into.")
    public var out: String
    @Option(help: "Training texts per task for the fit (a seeded sample).")
    public var profile: Int = 1000
    @Option(help: "Share of the task's own dev texts the threshold lets through.")
    public var keep: Double = 0.95
    @Flag(help: "Switch the guards on (default: fitted, reported, off).")
    public var enable = false
    @Option(help: "Seed of the profile sample.")
    public var seed: UInt64 = 1

    public init() {}

    public func validate() throws {
        guard profile >= 10 else { throw ValidationError("--profile must be at least 10") }
        guard keep > 0 && keep < 1 else { throw ValidationError("--keep must be in (0, 1), e.g. 0.95") }
    }

    public func run() throws {
        let base = try modelOptions.loadBase()
        let snapshot = try expertOptions.load(base: base)
        let data = try SuiteTasks.load(suite: suite, order: nil).map {
            $0.subsampled(train: profile, evaluation: profile, seed: seed)
        }
        guard data.count >= 2 else {
            throw ValidationError("the suite has \(data.count) task; a scene detector needs other tasks' texts")
        }
        var tasks = snapshot.tasks
        for task in data where snapshot.tasks[task.name] != nil {
            let expert = snapshot.tasks[task.name]!
            let started = Date()
            func features(_ texts: [LabelledText]) throws -> [[Float]] {
                var out: [[Float]] = []
                for start in stride(from: 0, to: texts.count, by: 32) {
                    let chunk = texts[start..<min(texts.count, start + 32)]
                    out += try snapshot.representations(
                        sequences: chunk.map { snapshot.encode($0.text, task: task.name).ids },
                        tasks: Array(repeating: task.name, count: chunk.count)
                    ).map(Self.normalised)
                }
                return out
            }
            let others = data.filter { $0.name != task.name }
            let ownTrain = try features(task.train), ownDev = try features(task.dev)
            let otherTrain = try others.flatMap { try features($0.train) }
            let otherDev = try others.flatMap { try features($0.dev) }
            let fit = LogisticRegression.select(
                trainFeatures: ownTrain + otherTrain,
                trainLabels: Array(repeating: 1, count: ownTrain.count) + Array(repeating: 0, count: otherTrain.count),
                devFeatures: ownDev + otherDev,
                devLabels: Array(repeating: 1, count: ownDev.count) + Array(repeating: 0, count: otherDev.count),
                classes: 2, l2Grid: [1e-6, 1e-5, 1e-4, 1e-3, 1e-2], standardise: false)
            let detector = Self.detector(fit.model)
            let limit = ExpertLimits.maxWeightMagnitude
            guard (0..<detector.weight.count).allSatisfy({ abs(detector.weight[$0]) <= limit }),
                abs(detector.bias) <= limit
            else {
                throw ValidationError(
                    "\(task.name): the scene detector's weights exceed ±\(limit) (an ill-posed fit); give more "
                        + "--profile texts")
            }
            let ownScores = ownDev.map { Double(detector.score($0)) }.sorted()
            let threshold = ownScores[min(ownScores.count - 1, Int(Double(ownScores.count) * (1 - keep)))]
            let auroc = Self.auroc(positive: ownScores, negative: otherDev.map { Double(detector.score($0)) })
            let settings = SceneGuard(
                threshold: threshold, enabled: enable, keep: keep, aurocDev: auroc, fittedAt: ExpertMetadata.now())
            tasks[task.name] = expert.with(scene: detector, settings: settings)
            print(
                String(
                    format: "%@: dev AUROC %.3f, threshold %.3f (l2 %g), %@", task.name, auroc, threshold, fit.l2,
                    TrainingProgress.duration(Date().timeIntervalSince(started))))
        }
        _ = try ExpertBundle.write(
            shared: snapshot.shared, tasks: tasks.values.sorted { $0.name < $1.name }, to: out)
        print("bundle with scene detectors written to \(out)")
    }

    static func normalised(_ v: [Float]) -> [Float] {
        let norm = max(1e-12, v.reduce(0) { $0 + $1 * $1 }.squareRoot())
        return v.map { $0 / norm }
    }

    /// σ(w · x + b) equal to the two-class model's probability of class 1, its standardisation folded in.
    public static func detector(_ m: LogisticRegression) -> SceneDetector {
        let d = m.dimension
        var weight = [Float](repeating: 0, count: d)
        var bias = Double(m.bias[1] - m.bias[0])
        for k in 0..<d {
            let w = Double(m.weight[d + k] - m.weight[k]) * Double(m.scale[k])
            weight[k] = Float(w)
            bias -= w * Double(m.mean[k])
        }
        return SceneDetector(weight: weight, bias: Float(bias))
    }

    /// P(a positive scores above a negative), ties counted half.
    public static func auroc(positive: [Double], negative: [Double]) -> Double {
        guard !positive.isEmpty, !negative.isEmpty else { return 0.5 }
        let negatives = negative.sorted()
        var wins = 0.0
        for p in positive {
            var low = 0, high = negatives.count
            while low < high {  // first index with negatives[i] >= p
                let mid = (low + high) / 2
                if negatives[mid] < p { low = mid + 1 } else { high = mid }
            }
            var equal = low
            while equal < negatives.count, negatives[equal] == p { equal += 1 }
            wins += Double(low) + 0.5 * Double(equal - low)
        }
        return wins / Double(positive.count * negatives.count)
    }
}
