// Tests of reading valid safetensors files: dtype conversions, alignment, zero-size tensors and the real model.

import Foundation
import ModelFormats
import TensorCore
import Testing

@Suite("SafeTensorsFile reading")
struct SafeTensorsFileTests {
    @Test func readsF32TensorsNamesInfoAndMetadata() throws {
        let header =
            "{\"__metadata__\":{\"format\":\"pt\"},"
            + Fixtures.entry("b", "F32", [3], 8, 20) + "," + Fixtures.entry("a", "F32", [2], 0, 8) + "}"
        let data = Fixtures.bytes([Float(1.5), -0.0] + [Float(3), .infinity, -7.25])
        try Fixtures.withFile(Fixtures.file(header: header, data: data)) { path in
            let file = try SafeTensorsFile(path: path)
            #expect(file.path == path)
            #expect(file.names == ["a", "b"])
            #expect(file.metadata == ["format": "pt"])
            #expect(file.dataSize == 20)
            #expect(file.info("b") == TensorInfo(name: "b", dtype: .f32, shape: [3], byteRange: 8..<20))
            #expect(file.info("nope") == nil)
            let a = try file.tensor("a")
            #expect(a.shape == [2])
            #expect(a.data.map(\.bitPattern) == [Float(1.5).bitPattern, (-0.0 as Float).bitPattern])
            #expect(try file.tensor("b").data == [3, .infinity, -7.25])
            #expect(try file.rawBytes("b") == Array(data[8..<20]))
            #expect(try file.withRawBytes("a") { $0.count } == 8)
        }
    }

    @Test func bytesInMemoryReadLikeTheFile() throws {
        let header =
            "{\"__metadata__\":{\"kind\":\"task\"}," + Fixtures.entry("w", "F32", [3], 0, 12) + ","
            + Fixtures.entry("h", "F16", [1], 12, 14) + "}"
        var bytes = Fixtures.file(
            header: header, data: Fixtures.bytes([Float(1), 2, -3]) + Fixtures.bytes([UInt16(0x3C00)]))
        let file = try SafeTensorsFile(bytes: bytes, name: "the uploaded file")
        bytes[bytes.count - 5] = 0xFF  // the file keeps its own copy
        #expect(file.path == "the uploaded file" && file.names == ["w", "h"] && file.metadata == ["kind": "task"])
        #expect(try file.tensor("w").data == [1, 2, -3] && file.tensor("h").data == [1])
        #expect(try file.withFloats("w") { Array($0) } == [1, 2, -3])
        let missing = try #require(throws: ModelFormatsError.self) { _ = try file.tensor("nope") }
        #expect(missing.description.contains("the uploaded file"))
    }

    @Test func convertsF16KnownValues() throws {
        let bits: [UInt16] = [0x3C00, 0xC100, 0x7BFF, 0x0001, 0x03FF, 0x7C00, 0xFC00, 0x8000, 0x0000]
        let expected: [Float] = [1, -2.5, 65504, 0x1p-24, 0x3FFp-24, .infinity, -.infinity, -0.0, 0]
        try Fixtures.withFile(
            Fixtures.file(
                header: "{" + Fixtures.entry("h", "F16", [9], 0, 18) + "}",
                data: Fixtures.bytes(bits))
        ) { path in
            let values = try SafeTensorsFile(path: path).tensor("h").data
            #expect(values.map(\.bitPattern) == expected.map(\.bitPattern))
        }
    }

    @Test func convertsEveryF16BitPatternLikeFloat16() throws {
        let bits = (0...UInt16.max).map { $0 }
        let header = "{" + Fixtures.entry("all", "F16", [bits.count], 0, bits.count * 2) + "}"
        try Fixtures.withFile(Fixtures.file(header: header, data: Fixtures.bytes(bits))) { path in
            let values = try SafeTensorsFile(path: path).tensor("all").data
            try #require(values.count == 65536)
            for (index, pattern) in bits.enumerated() {
                let reference = Self.halfReference(pattern)
                if reference.isNaN {
                    #expect(values[index].isNaN, "0x\(String(pattern, radix: 16))")
                } else if values[index].bitPattern != reference.bitPattern {
                    Issue.record("0x\(String(pattern, radix: 16)): got \(values[index]), expected \(reference)")
                }
            }
        }
    }

    /// Float16 where the platform has it, otherwise the value from sign, exponent and mantissa.
    private static func halfReference(_ bits: UInt16) -> Float {
        #if !(os(macOS) && arch(x86_64))
            return Float(Float16(bitPattern: bits))
        #else
            let sign: Float = bits & 0x8000 == 0 ? 1 : -1
            let exponent = Int(bits >> 10) & 0x1F, mantissa = Float(bits & 0x3FF)
            if exponent == 0x1F { return mantissa == 0 ? sign * .infinity : .nan }
            if exponent == 0 { return sign * mantissa * 0x1p-24 }
            return sign * (1 + mantissa / 1024) * Float(sign: .plus, exponent: exponent - 15, significand: 1)
        #endif
    }

    @Test func convertsBF16KnownValues() throws {
        let bits: [UInt16] = [0x3F80, 0xC020, 0x477F, 0x7F7F, 0x0001, 0x7F80, 0xFF80, 0x8000]
        let expected: [Float] = [1, -2.5, 65280, 0x1.FEp127, 0x1p-133, .infinity, -.infinity, -0.0]
        try Fixtures.withFile(
            Fixtures.file(
                header: "{" + Fixtures.entry("b", "BF16", [2, 4], 0, 16) + "}",
                data: Fixtures.bytes(bits))
        ) { path in
            let tensor = try SafeTensorsFile(path: path).tensor("b")
            #expect(tensor.shape == [2, 4])
            #expect(tensor.data.map(\.bitPattern) == expected.map(\.bitPattern))
        }
    }

    @Test func convertsF64ToNearestFloat() throws {
        let values: [Double] = [1, -2.5, 0.1, 1e300, -.infinity]
        try Fixtures.withFile(
            Fixtures.file(
                header: "{" + Fixtures.entry("d", "F64", [5], 0, 40) + "}",
                data: Fixtures.bytes(values))
        ) { path in
            let values = try SafeTensorsFile(path: path).tensor("d").data
            #expect(values == [1, -2.5, Float(0.1), .infinity, -.infinity])
        }
    }

    @Test func readsAndWidensIntegers() throws {
        let header =
            "{" + Fixtures.entry("i64", "I64", [1, 4], 0, 32) + "," + Fixtures.entry("i32", "I32", [3], 32, 44)
            + "," + Fixtures.entry("u8", "U8", [2], 44, 46) + "," + Fixtures.entry("i16", "I16", [1], 46, 48) + "}"
        let data =
            Fixtures.bytes([Int64(0), -1, .max, .min]) + Fixtures.bytes([Int32(7), -8, .min])
            + [255, 0] + Fixtures.bytes([Int16(-300)])
        try Fixtures.withFile(Fixtures.file(header: header, data: data)) { path in
            let file = try SafeTensorsFile(path: path)
            #expect(try file.int64s("i64") == [0, -1, .max, .min])
            #expect(try file.int64s("i32") == [7, -8, Int64(Int32.min)])
            #expect(try file.int64s("u8") == [255, 0])
            #expect(try file.int64s("i16") == [-300])
            #expect(file.info("i64")?.dtype == .i64)
        }
    }

    /// The data buffer starts 8 bytes past a 16-byte boundary, like the real model's.
    @Test func readsDataThatIsOnlyEightByteAligned() throws {
        try readMixedFile(dataStartRemainder: 8)
    }

    /// The data buffer starts at an odd or 4-aligned file offset, so 8-byte elements are misaligned.
    @Test(arguments: [1, 3, 4, 5, 7, 12])
    func readsDataAtMisalignedOffsets(remainder: Int) throws {
        try readMixedFile(dataStartRemainder: remainder)
    }

    /// A file with F64, I64 and F32 tensors whose data buffer starts at an offset ≡ `remainder` (mod 16).
    private func readMixedFile(dataStartRemainder remainder: Int) throws {
        let body =
            "{" + Fixtures.entry("d", "F64", [2], 0, 16) + "," + Fixtures.entry("i", "I64", [1], 16, 24)
            + "," + Fixtures.entry("f", "F32", [3], 24, 36) + "}"
        var length = body.utf8.count
        while (8 + length) % 16 != remainder { length += 1 }
        let data =
            Fixtures.bytes([Double(-1.25), 3e-5]) + Fixtures.bytes([Int64(-42)]) + Fixtures.bytes([Float(0.5), 2, -4])
        try Fixtures.withFile(Fixtures.file(header: Fixtures.padded(body, to: length), data: data)) { path in
            let file = try SafeTensorsFile(path: path)
            #expect(try file.tensor("d").data == [-1.25, Float(3e-5)])
            #expect(try file.int64s("i") == [-42])
            #expect(try file.tensor("f").data == [0.5, 2, -4])
            #expect(try file.rawBytes("d") == Array(data[0..<16]))
            #expect(file.names == ["d", "i", "f"])
        }
    }

    @Test func handlesZeroSizeTensorsAndScalars() throws {
        let header =
            "{" + Fixtures.entry("empty", "F32", [0], 4, 4) + "," + Fixtures.entry("wide", "I64", [3, 0], 0, 0)
            + "," + Fixtures.entry("scalar", "F32", [], 0, 4) + "," + Fixtures.entry("tail", "F16", [0, 7], 4, 4) + "}"
        try Fixtures.withFile(Fixtures.file(header: header, data: Fixtures.bytes([Float(9)]))) { path in
            let file = try SafeTensorsFile(path: path)
            #expect(file.names == ["wide", "scalar", "empty", "tail"])
            #expect(try file.tensor("empty") == Tensor(shape: [0], data: []))
            #expect(try file.int64s("wide") == [])
            #expect(try file.tensor("tail").shape == [0, 7])
            #expect(try file.tensor("scalar") == Tensor(shape: [], data: [9]))
            #expect(try file.rawBytes("empty") == [])
        }
    }

    @Test(arguments: ["{}", "{}       ", "{\"__metadata__\":{}}", "{\"__metadata__\":{\"k\":\"v\"}}"])
    func opensFilesWithNoTensorsAndNoData(header: String) throws {
        try Fixtures.withFile(Fixtures.file(header: header)) { path in
            let file = try SafeTensorsFile(path: path)
            #expect(file.names.isEmpty)
            #expect(file.dataSize == 0)
        }
    }

    @Test(.enabled(if: Fixtures.realModelPath != nil, "models/all-MiniLM-L6-v2/model.safetensors is not downloaded"))
    func readsTheRealMiniLMModel() throws {
        let file = try SafeTensorsFile(path: try #require(Fixtures.realModelPath))
        #expect(file.names.count == 104)
        #expect(file.metadata == ["format": "pt"])
        #expect(file.names.first == "embeddings.position_ids")
        #expect(file.names.last == "pooler.dense.weight")
        let dtypes = file.names.compactMap { file.info($0)?.dtype }
        #expect(dtypes.filter { $0 == .f32 }.count == 103)
        #expect(file.info("embeddings.position_ids")?.dtype == .i64)
        #expect(try file.int64s("embeddings.position_ids") == (0..<512).map(Int64.init))
        #expect(file.info("embeddings.word_embeddings.weight")?.shape == [30522, 384])
        #expect(file.info("encoder.layer.0.attention.self.query.weight")?.shape == [384, 384])

        let words = try file.tensor("embeddings.word_embeddings.weight")
        #expect(words.count == 30522 * 384)
        #expect(Array(words.data.prefix(4)).map(\.bitPattern) == [0xBCA3_C000, 0xBB5F_0000, 0xBC70_8000, 0x3C3F_C000])
        let norm = try file.tensor("embeddings.LayerNorm.weight")
        #expect(Array(norm.data.prefix(2)).map(\.bitPattern) == [0x3F19_535E, 0x3F15_6678])
        #expect(
            throws: ModelFormatsError.wrongDType(
                path: file.path, tensor: "embeddings.position_ids", dtype: "I64",
                expected: "Float32 (needs F32, F16, BF16 or F64)")
        ) {
            _ = try file.tensor("embeddings.position_ids")
        }
    }
}
