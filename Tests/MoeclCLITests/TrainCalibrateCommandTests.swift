// End-to-end tests of `moecl train` and `moecl calibrate` on a tiny random model and a suite written by the test.

import Foundation
import MoELoRA
import TestSupport
import Training
import Testing

@Suite("moecl train and calibrate (binary)")
struct TrainCalibrateCommandTests {
    static func moecl(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
        try ClassifyInspectCommandTests.moecl(arguments)
    }

    /// A moderation task "spam" (violating texts hold "spam", "free" or "click") and a 3-label task "pets".
    static func writeSuite(_ root: URL) throws {
        let fm = FileManager.default
        try fm.createDirectory(at: root, withIntermediateDirectories: true)
        try """
        {"tasks": [{"name": "spam", "labels": ["compliant", "violating"]}, \
        {"name": "pets", "labels": ["cat", "dog", "mat"]}]}
        """.write(to: root.appendingPathComponent("tasks.json"), atomically: true, encoding: .utf8)
        let fillers = ["the", "a", "on", "good", "hello world", "now", "sat on the", "run"]
        func spam(_ i: Int) -> String {
            let bad = i % 2 == 1
            return
                "{\"text\": \"\(fillers[i % 8]) \(bad ? ["spam", "free", "click here"][i % 3] : "bad") "
                + "\(fillers[(i + 3) % 8])\", "
                + "\"label\": \"\(bad ? "violating" : "compliant")\"}"
        }
        func pets(_ i: Int) -> String {
            let label = ["cat", "dog", "mat"][i % 3]
            return "{\"text\": \"\(fillers[i % 8]) \(label) \(fillers[(i + 5) % 8])\", \"label\": \"\(label)\"}"
        }
        for (name, make) in [("spam", spam), ("pets", pets)] as [(String, (Int) -> String)] {
            let folder = root.appendingPathComponent(name)
            try fm.createDirectory(at: folder, withIntermediateDirectories: true)
            for (split, count) in [("train", 60), ("dev", 24), ("test", 24)] {
                try ((0..<count).map(make).joined(separator: "\n") + "\n")
                    .write(to: folder.appendingPathComponent("\(split).jsonl"), atomically: true, encoding: .utf8)
            }
        }
    }

    /// On a BERT folder and on a Llama folder (the tiny random ones): one code path, `--model` picks the family.
    @Test(arguments: [false, true])
    func trainsASuiteThenCalibratesAndClassifies(llama: Bool) throws {
        let model = llama ? try TinyModelFolder(llamaSeed: 3) : try TinyModelFolder(seed: 3)
        let root = TestPaths.temporaryFolder("moecl-train-cli")
        defer {
            model.remove()
            try? FileManager.default.removeItem(at: root)
        }
        let suite = root.appendingPathComponent("suite"), run = root.appendingPathComponent("run")
        try Self.writeSuite(suite)
        let common = ["--model", model.path, "--threads", "1"]
        let trained = try Self.moecl(
            [
                "train", "--suite", suite.path, "--out", run.path, "--epochs", "4", "--batch-size", "8",
                "--lr", "0.03", "--rank", "2", "--alpha", "4",
            ] + common)
        #expect(trained.status == 0, "\(trained.err)")
        #expect(trained.err.contains("stage 2/2 test accuracy"))
        let bundle = run.appendingPathComponent("bundle").path
        let snapshot = try ExpertBundle.load(folder: bundle, base: model.base)
        #expect(snapshot.taskNames == ["pets", "spam"])
        #expect(try snapshot.task("spam").metadata.calibration?.targetPrecision == 0.9)
        #expect(snapshot.shared.metadata.baseFamily == (llama ? "llama" : "bert"))
        let inspected = try Self.moecl(["inspect", bundle + "/tasks/spam.safetensors"])
        #expect(inspected.status == 0 && inspected.out.contains("base family: \(llama ? "llama" : "bert")"))
        #expect(
            inspected.out.contains(llama ? #"prompt template: "Comment: {text}\nAnswer:""# : "prompt template: none"),
            "\(inspected.out)")
        // Each expert records the file it was trained on, for evolution runs to train on again.
        let source = try #require(TrainingSource.named(in: try snapshot.task("spam").metadata.training))
        #expect(source.relative == "suite/spam/train.jsonl")
        #expect(source.locate(root: root.path) == .found(path: suite.appendingPathComponent("spam/train.jsonl").path))
        // Recalibrate at 0.8 into a new bundle; the other task's expert file stays byte-identical.
        let calibrated = root.appendingPathComponent("calibrated").path
        let cal = try Self.moecl(
            [
                "calibrate", "--experts", bundle, "--task", "spam", "--data",
                suite.appendingPathComponent("spam/dev.jsonl").path, "--target-precision", "0.8",
                "--out", calibrated,
            ] + common)
        #expect(cal.status == 0, "\(cal.err)")
        let record = try #require(try JSONSerialization.jsonObject(with: Data(cal.out.utf8)) as? [String: Any])
        #expect(record["target_precision"] as? Double == 0.8)
        #expect(record["samples"] as? Int == 24)
        let reloaded = try ExpertBundle.load(folder: calibrated, base: model.base)
        #expect(try reloaded.task("spam").metadata.calibration?.targetPrecision == 0.8)
        let petsFile = "tasks/pets.safetensors"
        #expect(
            FileManager.default.contents(atPath: bundle + "/" + petsFile)
                == FileManager.default.contents(atPath: calibrated + "/" + petsFile))
        let classified = try Self.moecl(
            ["classify", "--experts", calibrated, "--task", "spam", "--text", "free spam now"]
                + common)
        #expect(classified.status == 0 && classified.out.contains("\"decision\""), "\(classified.err)")
        // Add a third task to the bundle with the single-task form (an earlier task's texts replayed to the
        // discriminator): old experts untouched, shared version bumped.
        let extended = root.appendingPathComponent("extended").path
        let single =
            [
                "train", "--task", "pets2", "--data", suite.appendingPathComponent("pets").path, "--from", bundle,
                "--out", extended, "--epochs", "1", "--batch-size", "8", "--rank", "2", "--alpha", "4",
            ] + common
        let unknown = try Self.moecl(
            single + ["--replay-data", "dogs=" + suite.appendingPathComponent("spam/train.jsonl").path])
        #expect(unknown.status != 0 && unknown.err.contains("replay task 'dogs' is not another task"), "\(unknown.err)")
        #expect(!FileManager.default.fileExists(atPath: extended))
        let added = try Self.moecl(
            single + ["--replay-data", "spam=" + suite.appendingPathComponent("spam/train.jsonl").path])
        #expect(added.status == 0, "\(added.err)")
        let grown = try ExpertBundle.load(folder: extended, base: model.base)
        #expect(grown.taskNames == ["pets", "pets2", "spam"])
        #expect(grown.shared.version == snapshot.shared.version + 1)
        #expect(TrainingSource.named(in: try grown.task("pets2").metadata.training)?.relative == "pets/train.jsonl")
        #expect(
            FileManager.default.contents(atPath: bundle + "/" + petsFile)
                == FileManager.default.contents(atPath: extended + "/" + petsFile))
    }

    @Test func badDataNamesTheFileAndLine() throws {
        let model = try TinyModelFolder(seed: 3)
        let root = TestPaths.temporaryFolder("moecl-train-bad")
        defer {
            model.remove()
            try? FileManager.default.removeItem(at: root)
        }
        let suite = root.appendingPathComponent("suite")
        try Self.writeSuite(suite)
        let train = suite.appendingPathComponent("spam/train.jsonl")
        let good = try String(contentsOf: train, encoding: .utf8)
        let cases: [(String, Data, String)] = [
            (
                "unknown label", Data((good + "{\"text\": \"x\", \"label\": \"maybe\"}\n").utf8),
                "train.jsonl:61: label 'maybe'"
            ),
            ("invalid JSON", Data((good + "{\"text\": \n").utf8), "train.jsonl:61: not valid JSON"),
            (
                "invalid UTF-8", Data(good.utf8) + Data([0x7B, 0xFF, 0xFE, 0x7D, 0x0A]),
                "train.jsonl:61: the line is not valid UTF-8"
            ),
            ("empty task", Data(), "train.jsonl: no examples"),
        ]
        for (name, bytes, message) in cases {
            try bytes.write(to: train)
            let result = try Self.moecl([
                "train", "--suite", suite.path, "--out", root.appendingPathComponent("run").path,
                "--model", model.path, "--threads", "1",
            ])
            #expect(result.status != 0, "\(name) must fail")
            #expect(result.err.contains(message), "\(name): \(result.err)")
        }
        try FileManager.default.removeItem(at: train)
        let missing = try Self.moecl([
            "train", "--suite", suite.path, "--out", root.appendingPathComponent("run").path,
            "--model", model.path,
        ])
        #expect(missing.status != 0 && missing.err.contains("train.jsonl: no such file"), "\(missing.err)")
    }
}

extension TrainCalibrateCommandTests {
    /// `--task-train-limit` draws the named task's labels with the seed (recorded in the stage record and run.json)
    /// and refuses bad values; logreg's run.json records the seed (for `moecl eval --curve`).
    @Test func taskTrainLimitSubsamplesOneTaskAndSaysWhatIsWrong() throws {
        let model = try TinyModelFolder(seed: 3)
        let root = TestPaths.temporaryFolder("moecl-train-limit")
        defer {
            model.remove()
            try? FileManager.default.removeItem(at: root)
        }
        let suite = root.appendingPathComponent("suite"), run = root.appendingPathComponent("run")
        try Self.writeSuite(suite)
        let common = ["--model", model.path, "--threads", "1", "--suite", suite.path]
        let trained = try Self.moecl(
            ["train"] + common + [
                "--out", run.path, "--method", "logreg", "--task-train-limit", "pets=20", "--seed", "7",
            ])
        #expect(trained.status == 0, "\(trained.err)")
        let stage = try String(contentsOf: run.appendingPathComponent("stage-1.json"), encoding: .utf8)
        #expect(stage.contains("\"train_examples\":20"))
        let runFile = try JSONSerialization.jsonObject(with: Data(contentsOf: run.appendingPathComponent("run.json")))
        #expect((runFile as? [String: Any])?["seed"] as? Int == 7)
        #expect(((runFile as? [String: Any])?["train_examples"] as? [Int]) == [60, 20])
        for (flag, message) in [
            ("pets=0", "give TASK=N with N ≥ 1"), ("pets", "give TASK=N"), ("birds=5", "not in the run's order"),
        ] {
            let bad = try Self.moecl(
                ["train"] + common + ["--out", run.path, "--method", "logreg", "--task-train-limit", flag])
            #expect(bad.status != 0 && bad.err.contains(message), "\(flag): \(bad.err)")
        }
    }
}
