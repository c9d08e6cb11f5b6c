// Expert files and bundles: bit-exact round trips, and a clear error for every corrupt or mismatched file.

import Foundation
import ModelFormats
import MoELoRA
import Moderation
import TestSupport
import Testing

@Suite("Expert files")
struct ExpertFileTests {
    @Test func taskExpertRoundTripsBitExactly() throws {
        let moe = try TinyMoE()
        defer { moe.remove() }
        var meta = moe.tasks[2].metadata
        meta.calibration = Calibration(
            targetPrecision: 0.9, thresholds: ["world": 0.75, "tech": 0.5],
            expectedRejectRate: 0.6, samples: 100)
        let task = moe.tasks[2].with(metadata: meta)
        let path = moe.folder.appendingPathComponent("topic.safetensors").path
        try ExpertFile.write(task, to: path)
        let back = try ExpertFile.readTask(path: path, base: moe.base)
        #expect(back.metadata == task.metadata)
        #expect(back.head.weight.array == task.head.weight.array && back.head.bias.array == task.head.bias.array)
        for (a, b) in zip(back.expert.layers, task.expert.layers) {
            #expect(a.up.a.array == b.up.a.array && a.up.b == b.up.b)
            #expect(a.down.a.array == b.down.a.array && a.down.b == b.down.b)
        }
        // Writing the read expert again gives the same bytes.
        #expect(try ExpertFile.serialized(back) == ExpertFile.serialized(task))
    }

    /// A scene detector and its settings round-trip; the forward reports its score of the head's input; a file
    /// with the tensors but no `scene` entry (or the entry without the tensors, or a wrong shape) is refused.
    @Test func sceneDetectorRoundTripsAndScoresTheHeadsInput() throws {
        let moe = try TinyMoE()
        defer { moe.remove() }
        let d = moe.base.shape.hiddenSize
        let detector = SceneDetector(weight: (0..<d).map { Float($0 % 5) - 2 }, bias: 0.25)
        let settings = SceneGuard(
            threshold: 0.4, enabled: true, keep: 0.95, aurocDev: 0.97, fittedAt: "2026-12-04T00:00:00Z")
        let task = moe.tasks[0].with(scene: detector, settings: settings)
        let path = moe.folder.appendingPathComponent("scene.safetensors").path
        try ExpertFile.write(task, to: path)
        let back = try ExpertFile.readTask(path: path, base: moe.base)
        #expect(back.metadata.scene == settings)
        #expect(back.scene?.weight.array == detector.weight.array && back.scene?.bias == 0.25)
        #expect(try ExpertFile.serialized(back) == ExpertFile.serialized(task))
        // σ(b + w·x/‖x‖), by hand, on the representation the head reads.
        let snapshot = try moe.snapshot().adding(back)
        let seq = MoEForwardTests.sequences(count: 1)
        let x = try snapshot.representations(sequences: seq, tasks: ["spam"])[0]
        let norm = x.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
        let z = 0.25 + zip(detector.weight.array, x).reduce(0.0) { $0 + Double($1.0) * Double($1.1) } / norm
        let scored = try snapshot.classify(sequences: seq, tasks: ["spam"])[0]
        #expect(abs(Double(scored.sceneScore ?? -1) - 1 / (1 + exp(-z))) < 1e-5)
        #expect(try moe.snapshot().classify(sequences: seq, tasks: ["spam"])[0].sceneScore == nil)
        #expect(back.outOfScene(0.39) && !back.outOfScene(0.4) && !back.outOfScene(nil))
        #expect(!back.with(scene: detector, settings: SceneGuard(threshold: 0.4, enabled: false)).outOfScene(0.1))

        try Self.rewrite(path, metadata: { $0["scene"] = nil })
        #expect(throws: ExpertError.self) { _ = try ExpertFile.readTask(path: path, base: moe.base) }
        try ExpertFile.write(task, to: path)
        try Self.rewrite(path, tensors: { $0.removeAll { $0.0.hasPrefix("scene.") } })
        #expect(throws: ExpertError.self) { _ = try ExpertFile.readTask(path: path, base: moe.base) }
        try ExpertFile.write(task, to: path)
        try Self.rewrite(
            path,
            tensors: { list in
                list = list.map { $0.0 == "scene.weight" ? ($0.0, [d - 1], Array($0.2.dropLast())) : $0 }
            })
        #expect(throws: ExpertError.self) { _ = try ExpertFile.readTask(path: path, base: moe.base) }
        try ExpertFile.write(task, to: path)
        try Self.rewrite(path, metadata: { $0["scene"] = "{\"threshold\": 3, \"enabled\": true}" })
        #expect(throws: ExpertError.self) { _ = try ExpertFile.readTask(path: path, base: moe.base) }
    }

    @Test func sharedExpertRoundTripsWithDiscriminators() throws {
        let moe = try TinyMoE()
        defer { moe.remove() }
        let d = moe.base.shape.hiddenSize
        let discriminators = (0..<moe.base.shape.layers).map { l in
            SharedExpert.Discriminator(weight: (0..<(4 * d)).map { Float($0 + l) * 0.01 }, bias: [0.1, 0.2, 0.3, 0.4])
        }
        let shared = SharedExpert(
            metadata: moe.shared.metadata, expert: moe.shared.expert,
            gates: moe.shared.gates.map(\.array), discriminators: discriminators)
        let path = moe.folder.appendingPathComponent("shared.safetensors").path
        try ExpertFile.write(shared, to: path)
        let back = try ExpertFile.readShared(path: path, base: moe.base)
        #expect(back.metadata == shared.metadata)
        #expect(back.gates.map(\.array) == shared.gates.map(\.array))
        #expect(back.discriminators?.map(\.weight.array) == discriminators.map(\.weight.array))
        #expect(try ExpertFile.serialized(back) == ExpertFile.serialized(shared))
    }

    @Test func bundleRoundTripGivesTheSameScores() throws {
        let moe = try TinyMoE()
        defer { moe.remove() }
        let path = try moe.writeBundle()
        let manifest = try ExpertBundle.readManifest(folder: path)
        #expect(manifest.tasks.map(\.task) == ["hate", "spam", "topic"])
        #expect(manifest.baseModelSHA256 == moe.base.fingerprint)
        let loaded = try ExpertBundle.load(folder: path, base: moe.base)
        let seqs = MoEForwardTests.sequences(count: 6)
        let names = seqs.indices.map { ["spam", "hate", "topic"][$0 % 3] }
        #expect(
            try loaded.classify(sequences: seqs, tasks: names) == moe.snapshot().classify(sequences: seqs, tasks: names)
        )
    }

    // MARK: corrupt and mismatched files

    /// Rewrites the task file at `path` after changing its metadata or tensors.
    static func rewrite(
        _ path: String, metadata: (inout [String: String]) -> Void = { _ in },
        tensors: (inout [(String, [Int], [Float])]) -> Void = { _ in }
    ) throws {
        let file = try SafeTensorsFile(path: path)
        var meta = file.metadata
        metadata(&meta)
        var list = try file.names.map { name -> (String, [Int], [Float]) in
            let t = try file.tensor(name)
            return (name, t.shape, t.data)
        }
        tensors(&list)
        var writer = SafeTensorsWriter(metadata: meta)
        for (name, shape, data) in list { writer.add(name, .init(shape: shape, data: data)) }
        try writer.write(to: path)
    }

    /// Writes the "spam" expert, damages it with `damage`, and returns the error of reading it.
    static func errorReading(_ damage: (String) throws -> Void) throws -> (ExpertError, String) {
        let moe = try TinyMoE()
        defer { moe.remove() }
        let path = moe.folder.appendingPathComponent("spam.safetensors").path
        try ExpertFile.write(moe.tasks[0], to: path)
        try damage(path)
        do {
            _ = try ExpertFile.readTask(path: path, base: moe.base)
        } catch let error as ExpertError {
            return (error, path)
        }
        Issue.record("reading a damaged file succeeded")
        return (.duplicateTask(task: "-"), path)
    }

    @Test func wrongBaseFingerprint() throws {
        let (error, path) = try Self.errorReading {
            try Self.rewrite($0) { $0["base_model_sha256"] = String(repeating: "ab", count: 32) }
        }
        guard case .baseMismatch(let p, let expert, _) = error else { Issue.record("got \(error)"); return }
        #expect(p == path && expert.hasPrefix("abab"))
        #expect(error.description.contains("retrain the expert on this base"))
    }

    @Test func wrongShape() throws {
        let (error, _) = try Self.errorReading {
            try Self.rewrite(
                $0,
                tensors: { list in
                    let i = list.firstIndex { $0.0 == "encoder.layer.1.output.dense.lora_B.weight" }!
                    list[i] = (list[i].0, [list[i].1[0] - 1, list[i].1[1]], Array(list[i].2.dropLast(list[i].1[1])))
                })
        }
        guard case .wrongShape(_, let tensor, let shape, let expected) = error else {
            Issue.record("got \(error)"); return
        }
        #expect(tensor == "encoder.layer.1.output.dense.lora_B.weight" && shape == [15, 8] && expected == [16, 8])
        #expect(error.description.contains("made for another base"))
    }

    @Test func notANumber() throws {
        let (error, _) = try Self.errorReading {
            try Self.rewrite(
                $0,
                tensors: { list in
                    let i = list.firstIndex { $0.0 == "head.weight" }!
                    list[i].2[5] = .nan
                })
        }
        #expect(error == .nonFinite(path: error.pathForTest, tensor: "head.weight", index: 5))
        #expect(error.description.contains("NaN or infinity"))
    }

    /// Issue 15, finding 5: a finite but huge weight passed the finite check and made scores NaN.
    @Test func hugeFiniteWeightsAreRefused() throws {
        for value: Float in [3e38, -2e4] {
            let (error, _) = try Self.errorReading {
                try Self.rewrite(
                    $0,
                    tensors: { list in
                        let i = list.firstIndex { $0.0 == "encoder.layer.0.intermediate.dense.lora_A.weight" }!
                        list[i].2[3] = value
                    })
            }
            guard case .weightTooLarge(_, let tensor, let index, let found) = error else {
                Issue.record("got \(error)"); continue
            }
            #expect(tensor == "encoder.layer.0.intermediate.dense.lora_A.weight" && index == 3 && found == value)
            #expect(error.description.contains("beyond the ±10000"), "\(error.description)")
        }
    }

    @Test func duplicateLabels() throws {
        let (error, _) = try Self.errorReading { try Self.rewrite($0) { $0["labels"] = "[\"ok\",\"ok\"]" } }
        guard case .invalidLabels(_, let reason) = error else { Issue.record("got \(error)"); return }
        #expect(reason.contains("'ok' appears twice"))
    }

    @Test func truncatedFile() throws {
        let (error, path) = try Self.errorReading { path in
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            try data.prefix(data.count - 100).write(to: URL(fileURLWithPath: path))
        }
        guard case .file(let inner) = error, case .truncated = inner else { Issue.record("got \(error)"); return }
        #expect(error.description.contains(path) && error.description.contains("truncated"))
    }

    @Test func missingAndUnexpectedTensors() throws {
        let (missing, _) = try Self.errorReading {
            try Self.rewrite($0, tensors: { $0.removeAll { $0.0 == "head.bias" } })
        }
        #expect(missing == .missingTensor(path: missing.pathForTest, tensor: "head.bias"))
        let (stray, _) = try Self.errorReading {
            try Self.rewrite($0, tensors: { $0.append(("extra.weight", [2], [1, 2])) })
        }
        #expect(stray == .unexpectedTensor(path: stray.pathForTest, tensor: "extra.weight"))
    }

    @Test func badMetadata() throws {
        let (kind, _) = try Self.errorReading { try Self.rewrite($0) { $0["format"] = "moecl.shared-expert" } }
        #expect(kind == .wrongKind(path: kind.pathForTest, found: .shared, expected: .task))
        let (none, _) = try Self.errorReading { try Self.rewrite($0) { $0["format"] = nil } }
        #expect(none == .notAnExpertFile(path: none.pathForTest, format: nil))
        let (rank, _) = try Self.errorReading { try Self.rewrite($0) { $0["rank"] = "0" } }
        #expect(rank == .rankOutOfBounds(path: rank.pathForTest, rank: 0, max: ExpertLimits.maxRank))
        let (version, _) = try Self.errorReading { try Self.rewrite($0) { $0["format_version"] = "9" } }
        #expect(version == .unsupportedFormatVersion(path: version.pathForTest, version: 9, supported: 1))
        let (name, _) = try Self.errorReading { try Self.rewrite($0) { $0["task"] = "../etc" } }
        guard case .invalidMetadata(_, "task", _) = name else { Issue.record("got \(name)"); return }
        let (calibration, _) = try Self.errorReading {
            try Self.rewrite($0) { $0["calibration"] = "{\"target_precision\":0.9,\"thresholds\":{\"spam\":0.8}}" }
        }
        guard case .invalidMetadata(_, "calibration", let reason) = calibration else {
            Issue.record("got \(calibration)"); return
        }
        #expect(reason.contains("unknown label 'spam'"))
        let (compliant, _) = try Self.errorReading { try Self.rewrite($0) { $0["compliant_label"] = "fine" } }
        guard case .invalidMetadata(_, "compliant_label", _) = compliant else {
            Issue.record("got \(compliant)"); return
        }
    }

    @Test func bundleChecksPaths() throws {
        let moe = try TinyMoE()
        defer { moe.remove() }
        let path = try moe.writeBundle()
        let manifestURL = URL(fileURLWithPath: path).appendingPathComponent("manifest.json")
        let good = try Data(contentsOf: manifestURL)
        // A damaged task file: its checksum no longer matches.
        let taskURL = URL(fileURLWithPath: path).appendingPathComponent("tasks/hate.safetensors")
        var bytes = try Data(contentsOf: taskURL)
        bytes[bytes.count - 1] ^= 0xFF
        try bytes.write(to: taskURL)
        #expect {
            _ = try ExpertBundle.load(folder: path, base: moe.base)
        } throws: { error in
            guard case ExpertError.checksumMismatch(let p, _, _) = error else { return false }
            return p.hasSuffix("tasks/hate.safetensors")
        }
        // A manifest that points outside the bundle.
        let escaped = String(decoding: good, as: UTF8.self).replacingOccurrences(
            of: "tasks/hate.safetensors", with: "../hate.safetensors")
        try Data(escaped.utf8).write(to: manifestURL)
        #expect {
            _ = try ExpertBundle.load(folder: path, base: moe.base)
        } throws: { error in
            guard case ExpertError.invalidManifest(_, let reason) = error else { return false }
            return reason.contains("'../hate.safetensors'")
        }
        // Not JSON at all; and no manifest.
        try Data("{not json".utf8).write(to: manifestURL)
        #expect(throws: ExpertError.self) { _ = try ExpertBundle.load(folder: path, base: moe.base) }
        try FileManager.default.removeItem(at: manifestURL)
        #expect {
            _ = try ExpertBundle.load(folder: path, base: moe.base)
        } throws: { error in
            (error as? ExpertError)?.description.contains("no manifest.json") == true
        }
    }

    @Test func bundleWriterRefusesNamesItWouldLaterReject() throws {
        let moe = try TinyMoE()
        defer { moe.remove() }
        var meta = moe.tasks[0].metadata
        meta.task = "../escape"
        let bad = moe.tasks[0].with(metadata: meta)
        let folder = moe.folder.appendingPathComponent("b").path
        #expect {
            try ExpertBundle.write(shared: moe.shared, tasks: [bad], to: folder)
        } throws: { error in
            guard case ExpertError.invalidMetadata(_, "task", _) = error else { return false }
            return true
        }
        #expect(!FileManager.default.fileExists(atPath: moe.folder.appendingPathComponent("escape.safetensors").path))
        #expect(throws: ExpertError.duplicateTask(task: "spam")) {
            try ExpertBundle.write(shared: moe.shared, tasks: [moe.tasks[0], moe.tasks[0]], to: folder)
        }
    }

    @Test func bundleForAnotherBaseIsRefusedBeforeLoading() throws {
        let moe = try TinyMoE()
        let other = try TinyMoE(seed: 99)
        defer {
            moe.remove()
            other.remove()
        }
        let path = try moe.writeBundle()
        #expect {
            _ = try ExpertBundle.load(folder: path, base: other.base)
        } throws: { error in
            guard case ExpertError.baseMismatch(let p, _, _) = error else { return false }
            return p.hasSuffix("manifest.json")
        }
    }
}

extension ExpertError {
    /// The file path carried by the error (for building expected values in tests).
    var pathForTest: String {
        switch self {
        case .nonFinite(let p, _, _), .missingTensor(let p, _), .unexpectedTensor(let p, _), .wrongKind(let p, _, _),
            .notAnExpertFile(let p, _), .rankOutOfBounds(let p, _, _), .unsupportedFormatVersion(let p, _, _):
            return p
        default:
            return ""
        }
    }
}
