// The training loop on a tiny random model and a tiny suite written by the test: learning, determinism,
// --resume equivalence, and MoE-CL's export matching the inference forward.

import Foundation
import MoELoRA
import TensorCore
import TestSupport
import Testing
import Training

@Suite("ContinualTrainer")
struct ContinualTrainerTests {
    /// A two-task suite whose labels depend on which token ids a text holds (learnable by a tiny model).
    static func writeSuite(at root: URL) throws {
        let fm = FileManager.default
        var rng = SplitMix64(seed: 4)
        let tasks: [(String, [String])] = [("alpha", ["compliant", "violating"]), ("beta", ["x", "y", "z"])]
        let index =
            "{\"tasks\": ["
            + tasks.map { "{\"name\": \"\($0.0)\", \"labels\": [\($0.1.map { "\"\($0)\"" }.joined(separator: ", "))]}" }
            .joined(separator: ", ") + "]}"
        try fm.createDirectory(at: root, withIntermediateDirectories: true)
        try index.write(to: root.appendingPathComponent("tasks.json"), atomically: true, encoding: .utf8)
        for (t, (name, labels)) in tasks.enumerated() {
            let folder = root.appendingPathComponent(name)
            try fm.createDirectory(at: folder, withIntermediateDirectories: true)
            for (split, count) in [("train", 48), ("dev", 16), ("test", 16)] {
                let lines = (0..<count).map { i -> String in
                    let label = i % labels.count
                    // Words w<k>: the label's own word plus noise words.
                    let words =
                        ["w\(label + 3 * t)"] + (0..<Int(rng.next() % 4)).map { _ in "w\(10 + Int(rng.next() % 20))" }
                    return "{\"text\": \"\(words.joined(separator: " "))\", \"label\": \"\(labels[label])\"}"
                }
                try (lines.joined(separator: "\n") + "\n").write(
                    to: folder.appendingPathComponent("\(split).jsonl"),
                    atomically: true, encoding: .utf8)
            }
        }
    }

    /// "w7 w12" → [2, 10, 15, 3] (ids below the tiny vocabulary's 40).
    static func encode(_ text: String) -> [Int32] {
        [2] + text.split(separator: " ").map { Int32(5 + (Int($0.dropFirst()) ?? 0) % 30) } + [3]
    }

    static func options(_ method: TrainingMethod, epochs: Int) -> TrainerOptions {
        var o = TrainerOptions()
        o.method = method
        o.epochs = epochs
        o.batchSize = 8
        o.replay = 4
        o.rank = 2
        o.alpha = 4
        o.adversarialWeight = 0.3
        o.optimizer.learningRate = 3e-2
        o.evaluationsPerEpoch = 2
        o.seed = 9
        o.sharedLearningRateScale = 1
        return o
    }

    static func run(
        _ method: TrainingMethod, epochs: Int, folder: URL, suite: URL, base: BaseModel,
        resume: Bool = false, sharedScale: Float = 1
    ) throws -> [StageRecord] {
        let tasks = try SuiteTasks.load(suite: suite.path, order: nil).map { EncodedTask($0, encode: Self.encode) }
        var o = options(method, epochs: epochs)
        o.sharedLearningRateScale = sharedScale
        return try SuiteRunner(base: base, tasks: tasks, options: o, folder: folder.path).run(resume: resume)
    }

    @Test func learnsDeterministicallyAndResumesExactly() throws {
        let model = try TinyModelFolder(seed: 5)
        let root = TestPaths.temporaryFolder("moecl-trainer")
        defer {
            model.remove()
            try? FileManager.default.removeItem(at: root)
        }
        let suite = root.appendingPathComponent("suite")
        try Self.writeSuite(at: suite)
        let first = try Self.run(
            .moeCL, epochs: 3, folder: root.appendingPathComponent("a"), suite: suite, base: model.base)
        let second = try Self.run(
            .moeCL, epochs: 3, folder: root.appendingPathComponent("b"), suite: suite, base: model.base)
        #expect(first.count == 2)
        // Learned: well above chance (1/2 and 1/3) on the test split of each task after its stage.
        #expect(first[0].evaluations[0].test.accuracy >= 0.75)
        #expect(first[1].evaluations[1].test.accuracy >= 0.6)
        // Deterministic for a seed.
        #expect(first.map(\.evaluations) == second.map(\.evaluations))
        // Interrupted after task 1's second epoch, then --resume: the same results as the uninterrupted run.
        let c = root.appendingPathComponent("c")
        _ = try Self.runStopping(after: 2, ofStage: 1, folder: c, suite: suite, base: model.base)
        let resumed = try Self.run(.moeCL, epochs: 3, folder: c, suite: suite, base: model.base, resume: true)
        #expect(resumed.map(\.evaluations) == first.map(\.evaluations))
        // The exported bundle scores like the training model.
        let snapshot = try ExpertBundle.load(folder: root.appendingPathComponent("a/bundle").path, base: model.base)
        let beta = try snapshot.task("beta")
        #expect(beta.metadata.calibration?.targetPrecision == 0.9)
        let tasks = try SuiteTasks.load(suite: suite.path, order: nil).map { EncodedTask($0, encode: Self.encode) }
        let scored = try snapshot.classify(
            sequences: tasks[1].test.map(\.ids), tasks: Array(repeating: "beta", count: 16))
        for (s, expected) in zip(scored, first[1].evaluations[1].test.scores) {
            for (a, b) in zip(s.scores, expected) { #expect(abs(a - b) < 1e-4) }
        }
    }

    /// The same pipeline on a decoder base: the tiny Llama (RMSNorm, RoPE, GQA, SwiGLU with its W3 adapter, the
    /// head on the last token) learns both tasks, and its bundle records the family and the prompt template and
    /// scores like the training model.
    @Test func learnsOnADecoderBaseAndExportsWhatItTrained() throws {
        let model = try TinyModelFolder(llamaSeed: 5)
        let root = TestPaths.temporaryFolder("moecl-trainer-llama")
        defer {
            model.remove()
            try? FileManager.default.removeItem(at: root)
        }
        let suite = root.appendingPathComponent("suite")
        try Self.writeSuite(at: suite)
        let records = try Self.run(
            .moeCL, epochs: 4, folder: root.appendingPathComponent("run"), suite: suite, base: model.base)
        #expect(records[0].evaluations[0].test.accuracy >= 0.75, "\(records[0].evaluations[0].test.accuracy)")
        #expect(records[1].evaluations[1].test.accuracy >= 0.6, "\(records[1].evaluations[1].test.accuracy)")
        let snapshot = try ExpertBundle.load(folder: root.appendingPathComponent("run/bundle").path, base: model.base)
        let beta = try snapshot.task("beta")
        #expect(beta.metadata.baseFamily == "llama" && snapshot.shared.metadata.baseFamily == "llama")
        #expect(beta.metadata.promptTemplate == .moderation)
        #expect(beta.expert.layers.allSatisfy { $0.linear != nil && !$0.linear!.bTransposed.allZero })
        let tasks = try SuiteTasks.load(suite: suite.path, order: nil).map { EncodedTask($0, encode: Self.encode) }
        let scored = try snapshot.classify(
            sequences: tasks[1].test.map(\.ids), tasks: Array(repeating: "beta", count: 16))
        for (s, expected) in zip(scored, records[1].evaluations[1].test.scores) {
            for (a, b) in zip(s.scores, expected) { #expect(abs(a - b) < 1e-4) }
        }
    }

    /// Runs the suite but throws out of the epoch callback of `stage` after `epochs` epochs (a simulated kill).
    /// A learning curve's branch: the first task trained alone, copied, then resumed with the whole order gives
    /// exactly the run of the whole order; a resume whose order disagrees with the stages done is refused.
    @Test func aPrefixResumedWithMoreTasksEqualsTheWholeRun() throws {
        let model = try TinyModelFolder(seed: 5)
        let root = TestPaths.temporaryFolder("moecl-trainer-branch")
        defer {
            model.remove()
            try? FileManager.default.removeItem(at: root)
        }
        let suite = root.appendingPathComponent("suite")
        try Self.writeSuite(at: suite)
        let tasks = try SuiteTasks.load(suite: suite.path, order: nil).map { EncodedTask($0, encode: Self.encode) }
        let whole = try SuiteRunner(
            base: model.base, tasks: tasks, options: Self.options(.moeCL, epochs: 2),
            folder: root.appendingPathComponent("whole").path
        ).run(resume: false)
        let prefix = root.appendingPathComponent("prefix"), branch = root.appendingPathComponent("branch")
        _ = try SuiteRunner(
            base: model.base, tasks: [tasks[0]], options: Self.options(.moeCL, epochs: 2), folder: prefix.path
        ).run(resume: false)
        try FileManager.default.copyItem(at: prefix, to: branch)
        let resumed = try SuiteRunner(
            base: model.base, tasks: tasks, options: Self.options(.moeCL, epochs: 2), folder: branch.path
        ).run(resume: true)
        #expect(resumed.map(\.evaluations) == whole.map(\.evaluations))
        #expect(resumed.last?.trainExamples == 48)
        let run = try String(contentsOf: branch.appendingPathComponent("run.json"), encoding: .utf8)
        #expect(run.contains("\"beta\"") && run.contains("\"train_examples\""))
        try FileManager.default.removeItem(at: branch)
        try FileManager.default.copyItem(at: prefix, to: branch)
        #expect {
            _ = try SuiteRunner(
                base: model.base, tasks: [tasks[1], tasks[0]], options: Self.options(.moeCL, epochs: 2),
                folder: branch.path
            ).run(resume: true)
        } throws: { error in
            "\(error)".contains("resume with the same order")
        }
    }

    /// `minSteps`: a 48-text task at batch 8 has 6 steps an epoch; 2 epochs would give 12 steps, so 30 minimum
    /// steps raise it to 5 epochs, with the 2 × 2 evaluations of the planned epochs spread over the 30 steps (every
    /// 7th step) plus one at the end.
    @Test func minimumStepsRaiseTheEpochsOfASmallTask() throws {
        let model = try TinyModelFolder(seed: 5)
        let root = TestPaths.temporaryFolder("moecl-trainer-min-steps")
        defer {
            model.remove()
            try? FileManager.default.removeItem(at: root)
        }
        let suite = root.appendingPathComponent("suite")
        try Self.writeSuite(at: suite)
        let tasks = try SuiteTasks.load(suite: suite.path, order: nil).map { EncodedTask($0, encode: Self.encode) }
        var o = Self.options(.perTask, epochs: 2)
        o.minSteps = 30
        #expect(o.epochs(trainCount: 48) == 5 && o.epochs(trainCount: 400) == 2)
        let records = try SuiteRunner(
            base: model.base, tasks: [tasks[0]], options: o, folder: root.appendingPathComponent("run").path
        ).run(resume: false)
        let state = records[0].training
        #expect(state.epochsDone == 5 && state.step == 30 && state.examples == 240)
        #expect(state.devHistory.map { Int($0[0]) } == [7, 14, 21, 28, 30])
    }

    static func runStopping(after epochs: Int, ofStage stage: Int, folder: URL, suite: URL, base: BaseModel) throws {
        struct Interrupted: Error {}
        let tasks = try SuiteTasks.load(suite: suite.path, order: nil).map { EncodedTask($0, encode: Self.encode) }
        let runner = SuiteRunner(base: base, tasks: tasks, options: options(.moeCL, epochs: 3), folder: folder.path)
        runner.interruptAfter = (stage, epochs)
        do {
            _ = try runner.run(resume: false)
            Issue.record("the run should have been interrupted")
        } catch is SuiteRunner.Interrupted {}
    }

    @Test(arguments: [TrainingMethod.sequential, .perTask, .moeCLNoAdversarial])
    func baselinesTrain(method: TrainingMethod) throws {
        let model = try TinyModelFolder(seed: 6)
        let root = TestPaths.temporaryFolder("moecl-trainer-\(method.rawValue)")
        defer {
            model.remove()
            try? FileManager.default.removeItem(at: root)
        }
        try Self.writeSuite(at: root.appendingPathComponent("suite"))
        let records = try Self.run(
            method, epochs: 2, folder: root.appendingPathComponent("run"),
            suite: root.appendingPathComponent("suite"), base: model.base)
        #expect(records.count == 2 && records[1].evaluations.count == 2)
        #expect(records[0].evaluations[0].test.accuracy >= 0.75)
        if method == .perTask {
            // Independent experts: task 0's scores are untouched by training task 1.
            #expect(records[1].evaluations[0] == records[0].evaluations[0])
        }
    }

    @Test func sharedLearningRateScaleSlowsOnlyTheSharedParameters() throws {
        let model = try TinyModelFolder(seed: 7)
        let root = TestPaths.temporaryFolder("moecl-trainer-shared-scale")
        defer {
            model.remove()
            try? FileManager.default.removeItem(at: root)
        }
        let suite = root.appendingPathComponent("suite")
        try Self.writeSuite(at: suite)
        // Factor 0: the shared expert and gates stay as task 0 left them, so task 0's scores do not move while
        // task 1 still learns through its own expert and head.
        let frozen = try Self.run(
            .moeCL, epochs: 2, folder: root.appendingPathComponent("frozen"), suite: suite,
            base: model.base, sharedScale: 0)
        #expect(frozen[1].evaluations[0] == frozen[0].evaluations[0])
        #expect(frozen[1].evaluations[1].test.accuracy >= 0.6)
        // Factor 1 (the plain method): training task 1 moves task 0's scores.
        let plain = try Self.run(
            .moeCL, epochs: 2, folder: root.appendingPathComponent("plain"), suite: suite,
            base: model.base)
        #expect(plain[0].evaluations[0] == frozen[0].evaluations[0])
        #expect(plain[1].evaluations[0].test.scores != plain[0].evaluations[0].test.scores)
    }

    @Test func optionsWrittenBeforeTheSharedScaleDecodeAsThePlainMethod() throws {
        var options = Self.options(.moeCL, epochs: 2)
        options.sharedLearningRateScale = 0.25
        let data = try JSONEncoder().encode(options)
        #expect(try JSONDecoder().decode(TrainerOptions.self, from: data) == options)
        var object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object.removeValue(forKey: "shared_lr_scale") != nil)
        let old = try JSONDecoder().decode(TrainerOptions.self, from: JSONSerialization.data(withJSONObject: object))
        #expect(old.sharedLearningRateScale == 1)
        #expect(old.sharedLearningRateScale(task: 1) == 1)
        #expect(options.sharedLearningRateScale(task: 0) == 1 && options.sharedLearningRateScale(task: 1) == 0.25)
        options.method = .sequential
        #expect(options.sharedLearningRateScale(task: 1) == 1)
    }
}
