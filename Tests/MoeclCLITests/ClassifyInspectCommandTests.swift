// End-to-end tests of `moecl classify` and `moecl inspect` on a tiny random model and bundle (no download needed).

import Foundation
import MoELoRA
import ModelFormats
import Moderation
import TestSupport
import Testing
import Tokenization

/// The moecl built beside this test bundle (whatever the scratch path), else the one TestPaths finds.
private let builtMoecl: URL? = {
    var folder = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
    for _ in 0..<4 {  // Linux: <scratch>/release/X.xctest; macOS: <scratch>/release/X.xctest/Contents/MacOS/X
        let candidate = folder.appendingPathComponent("moecl")
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        folder.deleteLastPathComponent()
    }
    return TestPaths.executable("moecl")
}()

@Suite("moecl classify and inspect (binary)")
struct ClassifyInspectCommandTests {
    static let binary = builtMoecl

    /// The built moecl; a test that needs it fails (never skips) when it is missing.
    static func requireBinary() throws -> URL {
        guard let binary else { throw MissingBinary() }
        return binary
    }

    /// `moecl` is not built beside the tests.
    struct MissingBinary: Error, CustomStringConvertible {
        var description: String { "moecl is not built: make test builds it (or run swift build before swift test)" }
    }

    /// Texts the tiny vocabulary tokenises into several lengths; the last is longer than the 24 positions.
    static let texts = [
        "the cat sat on the mat", "free spam, click here now!", "hello world", "", "a dog is running",
        "good? bad.", Array(repeating: "the unable cat", count: 12).joined(separator: " "),
    ]

    /// Runs moecl with `arguments`, `stdin` bytes and the environment (without MOECL_EXPERTS unless given), in
    /// `directory`.
    static func moecl(
        _ arguments: [String], stdin: Data = Data(), environment: [String: String] = [:],
        directory: URL = TestPaths.packageRoot
    ) throws -> (status: Int32, out: String, err: String) {
        let process = Process()
        process.executableURL = try requireBinary()
        process.arguments = arguments
        process.currentDirectoryURL = directory
        var env = ProcessInfo.processInfo.environment
        env["MOECL_EXPERTS"] = nil
        process.environment = env.merging(environment) { $1 }
        let input = Pipe(), output = Pipe(), error = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = error
        try process.run()
        // Inputs and outputs here are far below a pipe's buffer, so writing all of stdin first cannot block.
        input.fileHandleForWriting.write(stdin)
        try input.fileHandleForWriting.close()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }

    static func lines(_ texts: [String]) -> Data { Data((texts.joined(separator: "\n") + "\n").utf8) }

    static func objects(_ out: String) throws -> [[String: Any]] {
        try out.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any], "not JSON: \($0)")
        }
    }

    /// The tokenizer the CLI uses for the fixture model, and the in-process scores of `texts` under `task`.
    static func expected(
        _ moe: TinyMoE, snapshot: ExpertSnapshot, task: String, texts: [String] = texts,
        form: ForwardForm = .efficient
    ) throws -> (ids: [[Int32]], scores: [TaskScores], maxLength: Int) {
        let loaded = try BertTokenizer.load(folder: moe.modelPath)
        let tokenizer = loaded.withMaxLength(min(loaded.maxLength, moe.base.shape.maxPositions))
        let ids = texts.map { tokenizer.encode($0) }
        let scores = try snapshot.classify(sequences: ids, tasks: Array(repeating: task, count: ids.count), form: form)
        return (ids, scores, tokenizer.maxLength)
    }

    /// Checks one output object against the in-process scores: values, sum, argmax, tokens, truncation.
    static func check(
        _ object: [String: Any], against expected: TaskScores, ids: [Int32], untruncatedCount: Int,
        maxLength: Int, line: String
    ) throws {
        #expect(object["task"] as? String == expected.task)
        #expect(object["version"] as? Int == expected.version)
        let scores = try #require(object["scores"] as? [String: Double], "\(line)")
        #expect(Set(scores.keys) == Set(expected.labels))
        for (label, value) in zip(expected.labels, expected.scores) {
            let printed = try #require(scores[label])
            #expect(abs(printed - Double(value)) < 1e-5, "\(label): \(printed) vs \(value)")
        }
        #expect(abs(scores.values.reduce(0, +) - 1) < 1e-5)
        let argmax = try #require(scores.max { $0.value < $1.value }?.key)
        #expect(object["label"] as? String == argmax && argmax == expected.label)
        #expect(object["tokens"] as? Int == ids.count)
        #expect(object["truncated"] as? Bool == (untruncatedCount > maxLength))
        // Keys of "scores" are written in the expert's label order.
        let positions = expected.labels.map { line.range(of: "\"\($0)\":")?.lowerBound }
        #expect(
            positions.allSatisfy { $0 != nil } && positions.map { $0! } == positions.map { $0! }.sorted(), "\(line)")
    }

    // MARK: classify

    @Test("scores from stdin in several batches equal snapshot.classify in process; no decision without calibration")
    func classifyMatchesInProcess() throws {
        let moe = try TinyMoE()
        defer { moe.remove() }
        let bundle = try moe.writeBundle()
        let snapshot = try moe.snapshot()
        let loaded = try BertTokenizer.load(folder: moe.modelPath)
        for task in ["spam", "topic"] {
            let result = try Self.moecl(
                [
                    "classify", "--task", task, "--experts", bundle, "--model", moe.modelPath,
                    "--threads", "1", "--batch-size", "3", "--precision", "fp32",
                ], stdin: Self.lines(Self.texts))
            #expect(result.status == 0, "\(result.err)")
            let lines = result.out.split(separator: "\n").map(String.init)
            #expect(lines.count == Self.texts.count)
            let (ids, scores, maxLength) = try Self.expected(moe, snapshot: snapshot, task: task)
            #expect(maxLength == 24)
            for (i, line) in lines.enumerated() where i < ids.count {
                let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
                #expect(object["decision"] == nil, "\(line)")
                try Self.check(
                    object, against: scores[i], ids: ids[i],
                    untruncatedCount: loaded.encode(Self.texts[i], truncate: false).count,
                    maxLength: maxLength, line: line)
            }
            let truncated = try Self.objects(result.out).map { $0["truncated"] as? Bool }
            #expect(truncated == Self.texts.indices.map { $0 == Self.texts.count - 1 })
        }
    }

    @Test("--text skips stdin, MOECL_EXPERTS names the bundle, --form reference agrees with efficient")
    func textEnvironmentAndForm() throws {
        let moe = try TinyMoE()
        defer { moe.remove() }
        let bundle = try moe.writeBundle()
        let picked = ["hello world", "the dog sat on the mat"]
        let (ids, scores, maxLength) = try Self.expected(
            moe, snapshot: try moe.snapshot(), task: "hate", texts: picked,
            form: .reference)
        for form in ["efficient", "reference"] {
            let result = try Self.moecl(
                [
                    "classify", "--task", "hate", "--model", moe.modelPath, "--form", form,
                    "--text", picked[0], "--text", picked[1], "--precision", "fp32",
                ],
                stdin: Data("never read\n".utf8), environment: ["MOECL_EXPERTS": bundle])
            #expect(result.status == 0, "\(result.err)")
            let lines = result.out.split(separator: "\n").map(String.init)
            #expect(lines.count == 2)
            for (i, line) in lines.enumerated() where i < 2 {
                let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
                try Self.check(
                    object, against: scores[i], ids: ids[i], untruncatedCount: ids[i].count,
                    maxLength: maxLength, line: line)
            }
        }
        let bad = try Self.moecl([
            "classify", "--task", "hate", "--experts", bundle, "--model", moe.modelPath,
            "--form", "fast", "--text", "x",
        ])
        #expect(bad.status != 0)
        #expect(bad.err.contains("fast") && bad.err.contains("reference"), "\(bad.err)")
    }

    @Test("a calibrated task prints the DecisionRule's decision; an uncalibrated one prints none")
    func decisions() throws {
        let moe = try TinyMoE()
        defer { moe.remove() }
        var spam = moe.tasks[0].metadata
        spam.calibration = Calibration(targetPrecision: 0.9, thresholds: ["compliant": 0.5, "violating": 0.5])
        var topic = moe.tasks[2].metadata
        topic.calibration = Calibration(
            targetPrecision: 0.8, thresholds: ["sports": 0.34, "world": 0.9],
            expectedRejectRate: 0.25)
        let tasks = [moe.tasks[0].with(metadata: spam), moe.tasks[1], moe.tasks[2].with(metadata: topic)]
        let bundle = moe.folder.appendingPathComponent("calibrated").path
        try ExpertBundle.write(shared: moe.shared, tasks: tasks, to: bundle)
        let snapshot = try ExpertSnapshot(base: moe.base, shared: moe.shared, tasks: tasks)
        var seen = Set<String>()
        for task in ["spam", "hate", "topic"] {
            let result = try Self.moecl(
                ["classify", "--task", task, "--experts", bundle, "--model", moe.modelPath],
                stdin: Self.lines(Self.texts))
            #expect(result.status == 0, "\(result.err)")
            let objects = try Self.objects(result.out)
            #expect(objects.count == Self.texts.count)
            let (_, scores, _) = try Self.expected(moe, snapshot: snapshot, task: task)
            let rule = snapshot.tasks[task]!.decisionRule
            #expect((rule == nil) == (task == "hate"))
            for (object, expected) in zip(objects, scores) {
                let decision = object["decision"] as? String
                #expect(decision == rule?.decide(expected.scores).rawValue, "\(task): \(object)")
                if let decision { seen.insert(decision) }
            }
        }
        // 0.5 thresholds on two labels always decide: spam gives white or black, topic auto or review.
        #expect(seen.isSubset(of: ["white", "black", "auto", "review"]) && !seen.isDisjoint(with: ["white", "black"]))
    }

    @Test("an unknown task fails listing the loaded tasks, before reading stdin")
    func unknownTask() throws {
        let moe = try TinyMoE()
        defer { moe.remove() }
        let bundle = try moe.writeBundle()
        // stdin stays open: a command that read it first would block until the watchdog kills it.
        let process = Process()
        process.executableURL = try Self.requireBinary()
        process.arguments = ["classify", "--task", "nope", "--experts", bundle, "--model", moe.modelPath]
        let input = Pipe(), error = Pipe()
        process.standardInput = input
        process.standardOutput = Pipe()
        process.standardError = error
        try process.run()
        let watchdog = DispatchWorkItem { process.terminate() }
        DispatchQueue.global().asyncAfter(deadline: .now() + 60, execute: watchdog)
        let err = String(decoding: error.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        watchdog.cancel()
        try? input.fileHandleForWriting.close()
        #expect(process.terminationReason == .exit && process.terminationStatus != 0)
        #expect(err.contains("unknown task 'nope'") && err.contains("hate, spam, topic"), "\(err)")
    }

    @Test("a missing default experts folder, or a wrong --experts path, fails with advice")
    func missingExperts() throws {
        let moe = try TinyMoE()
        defer { moe.remove() }
        let empty = TestPaths.temporaryFolder("moecl-no-experts")
        defer { try? FileManager.default.removeItem(at: empty) }
        let fallback = try Self.moecl(
            ["classify", "--task", "spam", "--model", moe.modelPath, "--text", "x"],
            directory: empty)
        #expect(fallback.status != 0)
        #expect(fallback.err.contains("experts/default") && fallback.err.contains("--experts"), "\(fallback.err)")
        #expect(fallback.out.isEmpty)
        let wrong = try Self.moecl([
            "classify", "--task", "spam", "--model", moe.modelPath, "--experts", "/nonexistent/experts",
            "--text", "x",
        ])
        #expect(wrong.status != 0)
        #expect(wrong.err.contains("/nonexistent/experts/manifest.json"), "\(wrong.err)")
    }

    @Test("a truncated task file fails naming the file (checksum, then the safetensors parse)")
    func corruptBundle() throws {
        let moe = try TinyMoE()
        defer { moe.remove() }
        let bundle = try moe.writeBundle()
        let file = URL(fileURLWithPath: bundle).appendingPathComponent("tasks/hate.safetensors")
        let bytes = try Data(contentsOf: file)
        try bytes.prefix(bytes.count / 2).write(to: file)
        let mismatch = try Self.moecl([
            "classify", "--task", "spam", "--experts", bundle, "--model", moe.modelPath,
            "--text", "x",
        ])
        #expect(mismatch.status != 0)
        #expect(mismatch.err.contains("tasks/hate.safetensors") && mismatch.err.contains("SHA-256"), "\(mismatch.err)")
        #expect(mismatch.out.isEmpty)

        // With the manifest's checksum updated, the parse itself reports the truncation.
        let manifestURL = URL(fileURLWithPath: bundle).appendingPathComponent("manifest.json")
        var manifest = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: manifestURL)) as? [String: Any])
        var entries = try #require(manifest["tasks"] as? [[String: Any]])
        for i in entries.indices where entries[i]["task"] as? String == "hate" {
            entries[i]["sha256"] = try FileDigest.sha256(path: file.path)
        }
        manifest["tasks"] = entries
        try JSONSerialization.data(withJSONObject: manifest).write(to: manifestURL)
        let parse = try Self.moecl([
            "classify", "--task", "spam", "--experts", bundle, "--model", moe.modelPath,
            "--text", "x",
        ])
        #expect(parse.status != 0)
        #expect(parse.err.contains("tasks/hate.safetensors") && parse.err.contains("truncated"), "\(parse.err)")
        let inspect = try Self.moecl(["inspect", file.path])
        #expect(inspect.status != 0)
        #expect(inspect.err.contains("tasks/hate.safetensors") && inspect.err.contains("truncated"), "\(inspect.err)")
    }

    @Test("invalid UTF-8 on stdin fails with the line number, as embed does")
    func invalidInput() throws {
        let moe = try TinyMoE()
        defer { moe.remove() }
        let bundle = try moe.writeBundle()
        let result = try Self.moecl(
            ["classify", "--task", "spam", "--experts", bundle, "--model", moe.modelPath],
            stdin: Data(Array("fine\n".utf8) + [0xC3, 0x28, 0x0A]))
        #expect(result.status != 0)
        #expect(result.err.contains("stdin line 2") && result.err.contains("not valid UTF-8"), "\(result.err)")
    }

    @Test("an out-of-range --batch-size is a usage error")
    func badBatchSize() throws {
        let result = try Self.moecl(["classify", "--task", "spam", "--batch-size", "0", "--text", "x"])
        #expect(result.status != 0)
        #expect(result.err.contains("--batch-size"))
    }

    // MARK: inspect

    @Test("inspect on a task file prints metadata, calibration and the tensor table; --json parses")
    func inspectFile() throws {
        let moe = try TinyMoE()
        defer { moe.remove() }
        var meta = moe.tasks[0].metadata
        meta.calibration = Calibration(
            targetPrecision: 0.9, thresholds: ["compliant": 0.5, "violating": 0.5],
            expectedRejectRate: 0.125)
        let bundle = moe.folder.appendingPathComponent("calibrated").path
        try ExpertBundle.write(
            shared: moe.shared, tasks: [moe.tasks[0].with(metadata: meta), moe.tasks[2]], to: bundle)
        let spam = bundle + "/tasks/spam.safetensors"
        let text = try Self.moecl(["inspect", spam])
        #expect(text.status == 0, "\(text.err)")
        for needle in [
            "task: spam", "labels: compliant, violating", "compliant label: compliant", "rank: 8", "alpha: 16.0",
            "version: 1", moe.base.fingerprint, "target precision: 0.9", "compliant 0.5, violating 0.5",
            "expected reject rate: 0.125", "encoder.layer.0.intermediate.dense.lora_A.weight",
            "encoder.layer.1.output.dense.lora_B.weight", "head.weight", "head.bias", "[2, 16]", "total: 10 tensors",
        ] {
            #expect(text.out.contains(needle), "missing \(needle) in:\n\(text.out)")
        }
        let topic = try Self.moecl(["inspect", bundle + "/tasks/topic.safetensors"])
        #expect(
            topic.status == 0 && topic.out.contains("world, sports, tech") && topic.out.contains("calibration: none"))

        let json = try Self.moecl(["inspect", "--json", spam])
        #expect(json.status == 0, "\(json.err)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [String: Any])
        #expect(object["expert"] as? Bool == true)
        let metadata = try #require(object["metadata"] as? [String: String])
        #expect(metadata == meta.encoded())
        let tensors = try #require(object["tensors"] as? [[String: Any]])
        #expect(tensors.count == 10 && object["tensor_count"] as? Int == 10)
        let head = try #require(tensors.first { $0["name"] as? String == "head.weight" })
        #expect(
            head["dtype"] as? String == "F32" && head["shape"] as? [Int] == [2, 16] && head["bytes"] as? Int == 128)
        #expect(object["tensor_bytes"] as? Int == tensors.reduce(0) { $0 + ($1["bytes"] as? Int ?? 0) })
    }

    @Test("inspect on a bundle prints the manifest, OK checksums and every file; --json parses")
    func inspectBundle() throws {
        let moe = try TinyMoE()
        defer { moe.remove() }
        let bundle = try moe.writeBundle()
        let text = try Self.moecl(["inspect", bundle])
        #expect(text.status == 0, "\(text.err)")
        for needle in [
            "format: moecl.bundle version 1", "shared.safetensors", "tasks/hate.safetensors", "task spam",
            "task: topic", "labels: world, sports, tech", "kind: shared expert", "encoder.layer.1.gate.weight",
            "encoder.layer.0.intermediate.dense.lora_A.weight", "head.weight", "status: ok",
        ] {
            #expect(text.out.contains(needle), "missing \(needle) in:\n\(text.out)")
        }
        #expect(text.out.components(separatedBy: "  OK\n").count - 1 == 4, "\(text.out)")

        let json = try Self.moecl(["inspect", "--json", bundle])
        #expect(json.status == 0, "\(json.err)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [String: Any])
        let manifest = try #require(object["manifest"] as? [String: Any])
        #expect(manifest["base_model_sha256"] as? String == moe.base.fingerprint)
        #expect((manifest["tasks"] as? [Any])?.count == 3)
        let files = try #require(object["files"] as? [[String: Any]])
        #expect(files.map { $0["checksum"] as? String } == Array(repeating: "OK", count: 4))
        #expect(files.compactMap { ($0["metadata"] as? [String: String])?["task"] } == ["hate", "spam", "topic"])
        #expect((object["problems"] as? [Any])?.isEmpty == true)

        // A changed file is reported as MISMATCH, and the status is non-zero.
        let file = URL(fileURLWithPath: bundle).appendingPathComponent("tasks/topic.safetensors")
        var bytes = try Data(contentsOf: file)
        bytes[bytes.count - 1] ^= 0x01
        try bytes.write(to: file)
        let tampered = try Self.moecl(["inspect", bundle])
        #expect(tampered.status != 0)
        #expect(
            tampered.out.contains("MISMATCH") && tampered.err.contains("tasks/topic.safetensors"), "\(tampered.err)")
    }

    @Test("inspect on a plain safetensors file lists it with its raw metadata and exits 0; bad paths fail")
    func inspectPlainAndBadPaths() throws {
        let moe = try TinyMoE()
        defer { moe.remove() }
        let weights = moe.modelPath + "/model.safetensors"
        let text = try Self.moecl(["inspect", weights])
        #expect(text.status == 0, "\(text.err)")
        #expect(text.out.contains("not a moecl expert file") && text.out.contains("embeddings.word_embeddings.weight"))
        #expect(text.out.contains("[40, 16]"))
        let json = try Self.moecl(["inspect", "--json", weights])
        #expect(json.status == 0, "\(json.err)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [String: Any])
        #expect(object["expert"] as? Bool == false && (object["tensors"] as? [Any])?.isEmpty == false)

        let missing = try Self.moecl(["inspect", "/nonexistent/expert.safetensors"])
        #expect(missing.status != 0 && missing.err.contains("/nonexistent/expert.safetensors"), "\(missing.err)")
        let folder = try Self.moecl(["inspect", moe.modelPath])
        #expect(folder.status != 0 && folder.err.contains("manifest.json"), "\(folder.err)")
        let notSafetensors = try Self.moecl(["inspect", moe.modelPath + "/config.json"])
        #expect(notSafetensors.status != 0 && notSafetensors.err.contains("config.json"), "\(notSafetensors.err)")
    }
}
