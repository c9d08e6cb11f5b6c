// Tests that damaged or malformed safetensors files and bad lookups fail with the specific error case.

import Foundation
import ModelFormats
import Testing

@Suite("SafeTensorsFile errors")
struct SafeTensorsCorruptFileTests {
    /// A valid two-tensor header; tests below damage copies of it.
    private static let header =
        "{" + Fixtures.entry("w", "F32", [2, 2], 0, 16) + "," + Fixtures.entry("b", "F32", [2], 16, 24) + "}"

    @Test func missingFileIsFileNotFound() throws {
        let path = Fixtures.temporaryPath()
        let error = try #require(throws: ModelFormatsError.self) { _ = try SafeTensorsFile(path: path) }
        #expect(error == .fileNotFound(path: path))
        Fixtures.expectMessage(error, path: path)
    }

    @Test func folderIsUnreadable() throws {
        let path = try Fixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let error = try #require(throws: ModelFormatsError.self) { _ = try SafeTensorsFile(path: path) }
        #expect(error == .unreadable(path: path, reason: "not a regular file"))
        Fixtures.expectMessage(error, path: path)
    }

    @Test(arguments: [0, 1, 7])
    func fileShorterThanLengthPrefixIsTruncated(size: Int) throws {
        try Fixtures.expectOpenFails([UInt8](repeating: 0, count: size)) {
            .truncated(path: $0, expectedBytes: 8, actualBytes: size)
        }
    }

    @Test func dataCutShortIsTruncated() throws {
        let full = Fixtures.file(header: Self.header, data: [UInt8](repeating: 1, count: 24))
        let prefix = 8 + Self.header.utf8.count
        try Fixtures.expectOpenFails(Array(full.dropLast(5))) {
            .truncated(path: $0, expectedBytes: prefix + 24, actualBytes: prefix + 19)
        }
    }

    @Test func headerLengthLargerThanFileIsRejected() throws {
        let bytes = Fixtures.file(header: Self.header, data: [UInt8](repeating: 0, count: 24), headerLength: 5000)
        try Fixtures.expectOpenFails(bytes) {
            .headerTooLarge(path: $0, headerLength: 5000, fileSize: bytes.count)
        }
    }

    @Test(arguments: [UInt64(100_000_001), 1 << 40, .max])
    func headerLengthOverTheBoundIsRejected(length: UInt64) throws {
        let bytes = Fixtures.file(header: Self.header, data: [UInt8](repeating: 0, count: 24), headerLength: length)
        try Fixtures.expectOpenFails(bytes) {
            .headerTooLarge(path: $0, headerLength: length, fileSize: bytes.count)
        }
        let message = ModelFormatsError.headerTooLarge(path: "x", headerLength: length, fileSize: bytes.count)
            .description
        #expect(message.contains("100000000-byte bound"))
    }

    @Test func offsetsPastTheDataBufferAreOutOfRange() throws {
        let header =
            "{" + Fixtures.entry("w", "F32", [4], 0, 16) + "," + Fixtures.entry("far", "F32", [2], 100, 108) + "}"
        try Fixtures.expectOpenFails(
            Fixtures.file(header: header, data: [UInt8](repeating: 0, count: 16)),
            mentioning: "far"
        ) {
            .offsetsOutOfRange(path: $0, tensor: "far", begin: 100, end: 108, dataSize: 16)
        }
    }

    @Test func invertedOffsetsAreOutOfRange() throws {
        let header = "{" + Fixtures.entry("w", "F32", [2], 16, 8) + "}"
        try Fixtures.expectOpenFails(
            Fixtures.file(header: header, data: [UInt8](repeating: 0, count: 16)),
            mentioning: "w"
        ) {
            .offsetsOutOfRange(path: $0, tensor: "w", begin: 16, end: 8, dataSize: 16)
        }
    }

    @Test func overlappingRangesAreRejected() throws {
        let header =
            "{" + Fixtures.entry("first", "F32", [4], 0, 16) + "," + Fixtures.entry("second", "F32", [2], 12, 20) + "}"
        try Fixtures.expectOpenFails(
            Fixtures.file(header: header, data: [UInt8](repeating: 0, count: 20)),
            mentioning: "second"
        ) {
            .overlappingTensors(path: $0, first: "first", second: "second")
        }
    }

    @Test func shapeThatDisagreesWithByteRangeIsRejected() throws {
        let name = "encoder.layer.0.attention.self.query.weight"
        let header = "{" + Fixtures.entry(name, "F32", [3, 3], 0, 32) + "}"
        try Fixtures.expectOpenFails(
            Fixtures.file(header: header, data: [UInt8](repeating: 0, count: 32)),
            mentioning: name
        ) {
            .shapeMismatch(path: $0, tensor: name, shape: [3, 3], dtype: "F32", byteCount: 32)
        }
        let message = ModelFormatsError.shapeMismatch(
            path: "m", tensor: name, shape: [3, 3], dtype: "F32", byteCount: 32)
        #expect(message.description.contains("(36 bytes as F32)"))
    }

    @Test func unknownDTypeIsRejected() throws {
        let header = "{" + Fixtures.entry("q", "F8_E4M3", [4], 0, 4) + "}"
        try Fixtures.expectOpenFails(Fixtures.file(header: header, data: [0, 0, 0, 0]), mentioning: "q") {
            .unknownDType(path: $0, tensor: "q", dtype: "F8_E4M3")
        }
    }

    @Test(arguments: ["{\"w\":", "{\"w\" 1}", "", "   ", "\"just a string\""])
    func invalidJSONIsRejected(header: String) throws {
        try Fixtures.expectOpenFails(Fixtures.file(header: header)) {
            .invalidHeaderJSON(path: $0, reason: "not valid UTF-8 JSON")
        }
    }

    @Test func invalidUTF8IsRejected() throws {
        var bytes = Fixtures.file(header: "{\"a\":1}")
        bytes[10] = 0xFF
        try Fixtures.expectOpenFails(bytes) { .invalidHeaderJSON(path: $0, reason: "not valid UTF-8 JSON") }
    }

    @Test(arguments: ["[1, 2]", "[]"])
    func headerThatIsNotAnObjectIsRejected(header: String) throws {
        try Fixtures.expectOpenFails(Fixtures.file(header: header)) {
            .invalidHeaderJSON(path: $0, reason: "the top level is not an object")
        }
    }

    @Test(arguments: [
        ("{\"t\":[1]}", "it is not a JSON object"),
        ("{\"t\":{\"shape\":[1],\"data_offsets\":[0,4]}}", "\"dtype\" is missing"),
        ("{\"t\":{\"dtype\":7,\"shape\":[1],\"data_offsets\":[0,4]}}", "\"dtype\" is the number 7, not a string"),
        ("{\"t\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", "\"shape\" is missing"),
        (
            "{\"t\":{\"dtype\":\"F32\",\"shape\":[true],\"data_offsets\":[0,4]}}",
            "\"shape\" is an array, not an array of integers"
        ),
        (
            "{\"t\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}",
            "\"shape\" is an array, not an array of integers"
        ),
        ("{\"t\":{\"dtype\":\"F32\",\"shape\":[1]}}", "\"data_offsets\" is missing"),
        (
            "{\"t\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]}}",
            "\"data_offsets\" is an array, not an array of two integers"
        ),
        (
            "{\"t\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":\"0-4\"}}",
            "\"data_offsets\" is the string \"0-4\", not an array of two integers"
        ),
        (
            "{\"t\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}",
            "\"shape\" [-1] has the negative dimension -1"
        ),
    ])
    func malformedEntryIsRejected(header: String, reason: String) throws {
        try Fixtures.expectOpenFails(Fixtures.file(header: header, data: [0, 0, 0, 0]), mentioning: "t") {
            .invalidHeaderEntry(path: $0, tensor: "t", reason: reason)
        }
    }

    @Test func metadataWithNonStringValueIsRejected() throws {
        let header = "{\"__metadata__\":{\"format\":\"pt\",\"version\":2}}"
        try Fixtures.expectOpenFails(Fixtures.file(header: header), mentioning: "version") {
            .invalidMetadata(path: $0, key: "version", reason: "its value the number 2 is not a string")
        }
    }

    @Test func metadataThatIsNotAnObjectIsRejected() throws {
        try Fixtures.expectOpenFails(Fixtures.file(header: "{\"__metadata__\":[\"pt\"]}")) {
            .invalidMetadata(path: $0, key: "__metadata__", reason: "it is not a JSON object")
        }
    }

    @Test func lookupsOfMissingTensorsAndWrongDTypesThrow() throws {
        let header =
            "{" + Fixtures.entry("ids", "I64", [2], 0, 16) + "," + Fixtures.entry("x", "F32", [2], 16, 24)
            + "," + Fixtures.entry("flag", "BOOL", [1], 24, 25) + "}"
        try Fixtures.withFile(Fixtures.file(header: header, data: [UInt8](repeating: 0, count: 25))) { path in
            let file = try SafeTensorsFile(path: path)
            let checks: [(String, () throws -> Void, ModelFormatsError)] = [
                ("absent", { _ = try file.tensor("absent") }, .missingTensor(path: path, tensor: "absent")),
                ("absent", { _ = try file.int64s("absent") }, .missingTensor(path: path, tensor: "absent")),
                ("absent", { _ = try file.rawBytes("absent") }, .missingTensor(path: path, tensor: "absent")),
                (
                    "absent", { _ = try file.withRawBytes("absent") { $0.count } },
                    .missingTensor(path: path, tensor: "absent")
                ),
                (
                    "ids", { _ = try file.tensor("ids") },
                    .wrongDType(
                        path: path, tensor: "ids", dtype: "I64", expected: "Float32 (needs F32, F16, BF16 or F64)")
                ),
                (
                    "x", { _ = try file.int64s("x") },
                    .wrongDType(
                        path: path, tensor: "x", dtype: "F32",
                        expected: "Int64 (needs I64, I32, U32, I16, U16, I8 or U8)")
                ),
                (
                    "flag", { _ = try file.tensor("flag") },
                    .wrongDType(
                        path: path, tensor: "flag", dtype: "BOOL", expected: "Float32 (needs F32, F16, BF16 or F64)")
                ),
            ]
            for (tensor, call, expected) in checks {
                let error = try #require(throws: ModelFormatsError.self) { try call() }
                #expect(error == expected)
                Fixtures.expectMessage(error, path: path, mentioning: tensor)
            }
        }
    }
}
