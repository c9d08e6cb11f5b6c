// Tests of SafeTensorsWriter: bit-exact round trips, header layout and escaping, validation and atomic writes.

import Foundation
import ModelFormats
import TensorCore
import Testing

@Suite("SafeTensorsWriter")
struct SafeTensorsWriterTests {
    /// Float32 values whose bits must survive: signed zeros, NaN payloads, infinities, subnormals.
    private static let awkwardFloats: [Float] = [
        0, -0.0, 1, -2.5, .infinity, -.infinity, .leastNonzeroMagnitude, -.leastNormalMagnitude,
        .greatestFiniteMagnitude, Float(bitPattern: 0x7FC1_2345), Float(bitPattern: 0xFF80_0001),
        Float(bitPattern: 0x7F80_0001), .pi,
    ]

    @Test func roundTripsF32TensorsAndMetadataBitExactly() throws {
        var writer = SafeTensorsWriter()
        writer.metadata = [
            "quote": "say \"hi\"", "back\\slash": "C:\\models\\", "unicode": "naïve 日本語 🧪",
            "newline": "line1\nline2\r\ttab", "control": "bell\u{07}null\u{00}end", "": "empty key",
        ]
        let weights = Tensor(shape: [13], data: Self.awkwardFloats)
        let matrix = Tensor(shape: [2, 3], data: [1, 2, 3, 4, 5, 6])
        writer.add("layer.0.weight \"quoted\" ü", weights)
        writer.add("matrix", matrix)
        writer.add("scalar", Tensor(shape: [], data: [-0.0]))

        let path = Fixtures.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try writer.write(to: path)

        let file = try SafeTensorsFile(path: path)
        #expect(file.metadata == writer.metadata)
        #expect(file.names == ["layer.0.weight \"quoted\" ü", "matrix", "scalar"])
        let read = try file.tensor("layer.0.weight \"quoted\" ü")
        #expect(read.shape == [13])
        #expect(read.data.map(\.bitPattern) == Self.awkwardFloats.map(\.bitPattern))
        #expect(try file.tensor("matrix") == matrix)
        #expect(try file.tensor("scalar").data.map(\.bitPattern) == [(-0.0 as Float).bitPattern])
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data(try writer.serialized()))
    }

    @Test func headerIsDeterministicAlignedAndInInsertionOrder() throws {
        func build() -> SafeTensorsWriter {
            var writer = SafeTensorsWriter(metadata: ["b": "2", "a": "1", "format": "pt"])
            for name in ["zeta", "alpha", "mid", "x"] {
                writer.add(name, Tensor(shape: [name.count], data: (0..<name.count).map(Float.init)))
            }
            return writer
        }
        let bytes = try build().serialized()
        #expect(bytes == (try build().serialized()))

        let headerLength = Int(bytes[0..<8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
        #expect((8 + headerLength) % 8 == 0)
        let header = try #require(String(bytes: bytes[8..<(8 + headerLength)], encoding: .utf8))
        #expect(header.hasPrefix("{\"__metadata__\":{\"a\":\"1\",\"b\":\"2\",\"format\":\"pt\"},\"zeta\":"))
        let positions = ["zeta", "alpha", "mid", "\"x\""].map { header.range(of: $0)!.lowerBound }
        #expect(positions == positions.sorted())
        #expect(header.trimmingCharacters(in: .whitespaces).hasSuffix("}"))
        #expect(bytes.count == 8 + headerLength + 4 * (4 + 5 + 3 + 1))

        let json = try #require(try JSONSerialization.jsonObject(with: Data(header.utf8)) as? [String: Any])
        let zeta = try #require(json["zeta"] as? [String: Any])
        #expect(zeta["dtype"] as? String == "F32")
        #expect(zeta["shape"] as? [Int] == [4])
        #expect(zeta["data_offsets"] as? [Int] == [0, 16])
    }

    @Test func roundTripsRawBytesOfOtherDTypes() throws {
        var writer = SafeTensorsWriter()
        let ids = Fixtures.bytes([Int64(0), 1, -9, .max])
        let halves = Fixtures.bytes([UInt16(0x3C00), 0xC100, 0x7BFF])
        try writer.add("ids", dtype: .i64, shape: [2, 2], bytes: ids)
        try writer.add("halves", dtype: .f16, shape: [3], bytes: halves)
        try writer.add("mask", dtype: .bool, shape: [3], bytes: [1, 0, 1])
        try writer.add("nothing", dtype: .f64, shape: [0, 5], bytes: [])
        writer.add("empty", Tensor(shape: [0], data: []))

        let path = Fixtures.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try writer.write(to: path)
        let file = try SafeTensorsFile(path: path)
        #expect(file.names.count == 5)
        #expect(try file.int64s("ids") == [0, 1, -9, .max])
        #expect(try file.tensor("halves").data == [1, -2.5, 65504])
        #expect(try file.rawBytes("mask") == [1, 0, 1])
        #expect(file.info("nothing") == TensorInfo(name: "nothing", dtype: .f64, shape: [0, 5], byteRange: 41..<41))
        #expect(try file.tensor("empty") == Tensor(shape: [0], data: []))
    }

    @Test func emptyWriterMakesAValidFile() throws {
        let bytes = try SafeTensorsWriter().serialized()
        #expect(bytes.count == 16)
        try Fixtures.withFile(bytes) { path in
            let file = try SafeTensorsFile(path: path)
            #expect(file.names.isEmpty)
            #expect(file.metadata.isEmpty)
        }
    }

    @Test func rejectsBytesThatDoNotMatchTheShape() {
        var writer = SafeTensorsWriter()
        #expect(
            throws: ModelFormatsError.invalidTensor(
                name: "t", reason: "shape [2, 2] as I32 needs 16 bytes but 12 were given")
        ) {
            try writer.add("t", dtype: .i32, shape: [2, 2], bytes: [UInt8](repeating: 0, count: 12))
        }
        #expect(
            throws: ModelFormatsError.invalidTensor(
                name: "n", reason: "shape [-1, 2] has a negative dimension or is too large")
        ) {
            try writer.add("n", dtype: .u8, shape: [-1, 2], bytes: [])
        }
        #expect(writer.names.isEmpty)
    }

    @Test func rejectsDuplicateAndReservedNames() throws {
        var writer = SafeTensorsWriter()
        try writer.add("a", dtype: .u8, shape: [1], bytes: [7])
        #expect(throws: ModelFormatsError.duplicateTensor(name: "a")) {
            try writer.add("a", dtype: .u8, shape: [1], bytes: [8])
        }
        #expect(
            throws: ModelFormatsError.invalidTensor(
                name: "__metadata__", reason: "the name is reserved for the metadata object; choose another name")
        ) {
            try writer.add("__metadata__", dtype: .u8, shape: [1], bytes: [8])
        }
        #expect(try writer.serialized().count > 0)

        writer.add("a", Tensor(shape: [1], data: [1]))
        let error = try #require(throws: ModelFormatsError.self) { _ = try writer.serialized() }
        #expect(error == .duplicateTensor(name: "a"))
        #expect(error.description.contains("'a'"))

        var reserved = SafeTensorsWriter()
        reserved.add("__metadata__", Tensor(shape: [1], data: [1]))
        #expect(throws: ModelFormatsError.self) { _ = try reserved.serialized() }
    }

    @Test func writeReplacesAnExistingFileAndLeavesNoTemporaryFiles() throws {
        let folder = try Fixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/model.safetensors"
        try Data("old contents".utf8).write(to: URL(fileURLWithPath: path))

        var writer = SafeTensorsWriter()
        writer.add("w", Tensor(shape: [2], data: [3, 4]))
        try writer.write(to: path)

        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["model.safetensors"])
        #expect(try SafeTensorsFile(path: path).tensor("w").data == [3, 4])
    }

    @Test func writeIntoAMissingFolderFailsAndNamesThePath() throws {
        let path = Fixtures.temporaryPath("-missing") + "/out.safetensors"
        let error = try #require(throws: ModelFormatsError.self) { try SafeTensorsWriter().write(to: path) }
        guard case .writeFailed(let failedPath, let reason) = error else {
            Issue.record("expected writeFailed, got \(error)")
            return
        }
        #expect(failedPath == path)
        #expect(reason.contains("No such file or directory"))
        Fixtures.expectMessage(error, path: path)
    }

    @Test func writeOverAFolderFailsAndKeepsIt() throws {
        let folder = try Fixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.createDirectory(atPath: folder + "/taken", withIntermediateDirectories: false)
        #expect(throws: ModelFormatsError.self) { try SafeTensorsWriter().write(to: folder + "/taken") }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["taken"])
    }
}
