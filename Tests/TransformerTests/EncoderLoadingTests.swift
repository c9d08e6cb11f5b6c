// Loading the encoder from good, mismatched and corrupt model folders: each failure names the file and tensor.

import Foundation
import TensorCore
import TestSupport
import Testing
import Transformer

@Suite("BertEncoder loading")
struct EncoderLoadingTests {
    let model = TinyBert(seed: 11)

    func load(_ configure: (URL) throws -> Void) throws -> BertEncoder {
        let folder = TestPaths.temporaryFolder("tinybert-load")
        defer { try? FileManager.default.removeItem(at: folder) }
        do {
            try configure(folder)
        } catch SkipToLoad.path(let other) {
            return try BertEncoder.load(folder: other.path)
        }
        return try BertEncoder.load(folder: folder.path)
    }

    func expectError(
        _ check: (TransformerError) -> Bool, _ configure: (URL) throws -> Void,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        do {
            _ = try load(configure)
            Issue.record("loading succeeded", sourceLocation: sourceLocation)
        } catch let error as TransformerError {
            #expect(check(error), "unexpected error: \(error)", sourceLocation: sourceLocation)
            #expect(!error.description.isEmpty)
        } catch {
            Issue.record("unexpected error type: \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test("a complete folder loads with the sizes of its config.json")
    func loads() throws {
        let encoder = try load { try model.write(to: $0) }
        #expect(encoder.config.hiddenSize == 16 && encoder.config.numHiddenLayers == 2)
        #expect(encoder.config.intermediateSize == 24 && encoder.config.numAttentionHeads == 4)
    }

    @Test("tensor names with a 'bert.' prefix load too")
    func bertPrefix() throws {
        let plain = try load { try model.write(to: $0) }
        let prefixed = try load { try model.write(to: $0, prefix: "bert.") }
        #expect(try plain.pooled(sequences: [[2, 7, 3]]) == prefixed.pooled(sequences: [[2, 7, 3]]))
    }

    @Test("a missing folder, config or weights file is reported with what to do")
    func missingFiles() {
        expectError({ if case .missingFile(let p, _) = $0 { p.hasSuffix("nothing-here") } else { false } }) { folder in
            throw SkipToLoad.path(folder.appendingPathComponent("nothing-here"))
        }
        expectError({ if case .missingFile(let p, _) = $0 { p.hasSuffix("config.json") } else { false } }) { folder in
            try model.write(to: folder)
            try FileManager.default.removeItem(at: folder.appendingPathComponent("config.json"))
        }
        expectError({ if case .missingFile(let p, _) = $0 { p.hasSuffix("model.safetensors") } else { false } }) {
            try model.write(to: $0)
            try FileManager.default.removeItem(at: $0.appendingPathComponent("model.safetensors"))
        }
    }

    @Test("an invalid or unsupported config.json is rejected")
    func badConfig() {
        expectError({ if case .invalidConfig = $0 { true } else { false } }) {
            try model.write(to: $0)
            try Data("{not json".utf8).write(to: $0.appendingPathComponent("config.json"))
        }
        expectError({ if case .invalidConfig = $0 { true } else { false } }) {
            try model.write(to: $0, configOverrides: ["hidden_size": NSNull()])
        }
        expectError({ if case .invalidConfig = $0 { true } else { false } }) {
            try model.write(to: $0, configOverrides: ["num_attention_heads": 5])
        }
        expectError({ if case .unsupported = $0 { true } else { false } }) {
            try model.write(to: $0, configOverrides: ["hidden_act": "relu"])
        }
    }

    @Test("a truncated weights file is reported as unreadable with the format error")
    func truncatedWeights() {
        expectError({ if case .weightsUnreadable(_, let reason) = $0 { reason.contains("truncated") } else { false } })
        {
            try model.write(to: $0)
            let url = $0.appendingPathComponent("model.safetensors")
            let data = try Data(contentsOf: url)
            try data.prefix(data.count - 100).write(to: url)
        }
        expectError({ if case .weightsUnreadable = $0 { true } else { false } }) {
            try model.write(to: $0)
            try Data([1, 2, 3]).write(to: $0.appendingPathComponent("model.safetensors"))
        }
    }

    @Test("a missing tensor, a wrong shape or a NaN weight names the tensor")
    func badTensors() {
        let name = "encoder.layer.1.intermediate.dense.weight"
        expectError({ $0 == .missingTensor(path: $0.pathOfError, tensor: name) }) {
            try model.write(to: $0) { $0[name] = nil }
        }
        expectError({ $0 == .wrongShape(path: $0.pathOfError, tensor: name, expected: [24, 16], actual: [16, 24]) }) {
            try model.write(to: $0) { $0[name] = Tensor(zeros: [16, 24]) }
        }
        expectError({ $0 == .nonFiniteWeight(path: $0.pathOfError, tensor: name) }) {
            try model.write(to: $0) { $0[name]!.data[5] = .nan }
        }
        expectError({ if case .wrongShape(_, "embeddings.word_embeddings.weight", _, _) = $0 { true } else { false } })
        {
            try model.write(to: $0, configOverrides: ["vocab_size": 41])
        }
    }
}

/// Lets a configure closure redirect loading to another path (for the missing-folder case).
enum SkipToLoad: Error { case path(URL) }

extension TransformerError {
    /// The file path a loading error names.
    var pathOfError: String {
        switch self {
        case .missingFile(let p, _), .invalidConfig(let p, _), .unsupported(let p, _), .missingTensor(let p, _),
            .wrongShape(let p, _, _, _), .nonFiniteWeight(let p, _), .weightsUnreadable(let p, _):
            return p
        default:
            return ""
        }
    }
}
