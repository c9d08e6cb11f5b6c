// GGUF against the `gguf` Python package: every tensor of the real SmolLM2 file and of a file with every type,
// dequantised bit for bit as gguf.quants does (Tests/Fixtures/gguf, scripts/reference/make_gguf_goldens.py).

import Foundation
import ModelFormats
import TestSupport
import Testing

@Suite("GGUF goldens")
struct GGUFGoldenTests {
    /// name → (type, dims joined by x, count, sha256) from a golden file.
    static func goldens(_ name: String) throws -> [(name: String, type: String, dims: String, count: Int, sha: String)]
    {
        let text = try String(contentsOf: TestPaths.fixtures.appendingPathComponent("gguf/\(name)"), encoding: .utf8)
        return text.split(separator: "\n").filter { !$0.hasPrefix("#") }.map { line in
            let f = line.split(separator: " ").map(String.init)
            return (f[0], f[1], f[2], Int(f[3])!, f[4])
        }
    }

    static func digest(_ values: [Float]) -> String {
        values.withUnsafeBytes { FileDigest.sha256(Array($0)) }
    }

    static func check(_ file: GGUFFile, against golden: String) throws {
        let expected = try goldens(golden)
        #expect(file.tensors.map(\.name) == expected.map(\.name))
        for e in expected {
            let info = try #require(file.info(e.name))
            #expect(info.type.description == e.type, "\(e.name)")
            #expect(info.dimensions.map(String.init).joined(separator: "x") == e.dims, "\(e.name)")
            let values = try file.floats(e.name)
            #expect(values.count == e.count)
            #expect(digest(values) == e.sha, "\(e.name) (\(e.type)) differs from gguf.quants.dequantize")
        }
    }

    @Test func everyTypeDecodesAsTheReferenceDoes() throws {
        let file = try GGUFFile(path: TestPaths.fixtures.appendingPathComponent("gguf/types.gguf").path)
        #expect(file.version == 3 && file.alignment == 32)
        try Self.check(file, against: "types.txt")
        #expect(Set(file.tensors.map(\.type)) == Set(GGMLType.allCases))
        let t = try file.tensor("t.q4_k")
        #expect(t.shape == [3, 512])
    }

    @Test func everyMetadataValueTypeReads() throws {
        let file = try GGUFFile(path: TestPaths.fixtures.appendingPathComponent("gguf/types.gguf").path)
        let m = file.metadata
        #expect(m["general.architecture"] == .string("test"))
        #expect(m["test.u8"] == .uint8(200) && m["test.i8"] == .int8(-100))
        #expect(m["test.u16"] == .uint16(60000) && m["test.i16"] == .int16(-30000))
        #expect(m["test.u32"] == .uint32(4_000_000_000) && m["test.i32"] == .int32(-2_000_000_000))
        #expect(m["test.f32"] == .float32(0.15625) && m["test.bool"] == .bool(true))
        #expect(m["test.string"] == .string("héllo, wörld ✓"))
        #expect(m["test.u64"] == .uint64(18_000_000_000_000_000_000))
        #expect(m["test.i64"] == .int64(-9_000_000_000_000_000_000))
        #expect(m["test.f64"] == .float64(-2.5e-300))
        #expect(m["test.strings"] == .array([.string("a"), .string("bc"), .string("déf")]))
        #expect(m["test.ints"] == .array([.int32(1), .int32(-2), .int32(3)]))
        #expect(m["test.nested"] == .array([.array([.int32(1), .int32(2)]), .array([.int32(3)])]))
        #expect(
            file.metadataKeys.filter { $0.hasPrefix("test.") } == [
                "test.u8", "test.i8", "test.u16", "test.i16", "test.u32", "test.i32", "test.f32", "test.bool",
                "test.string", "test.u64", "test.i64", "test.f64", "test.strings", "test.ints", "test.nested",
            ])
    }

    @Test(.enabled(if: TestPaths.llmGGUF != nil, "LLM base not fetched: run make setup"))
    func everyTensorOfSmolLM2DecodesAsTheReferenceDoes() throws {
        let file = try GGUFFile(path: try #require(TestPaths.llmGGUF).path)
        #expect(file.version == 3)
        #expect(file.metadata["general.architecture"] == .string("llama"))
        #expect(file.metadata["llama.block_count"]?.int == 30)
        #expect(file.metadata["tokenizer.ggml.tokens"]?.array?.count == 49_152)
        #expect(Set(file.tensors.map(\.type)) == [.q4_1, .q8_0, .f32])
        try Self.check(file, against: "smollm2-dequant.txt")
    }
}
