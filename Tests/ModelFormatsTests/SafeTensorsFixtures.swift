// Helpers for ModelFormats tests: hand-built safetensors bytes, unique temporary files, and error checks.

import Foundation
import ModelFormats
import Testing

/// Builders and temporary-file helpers shared by the safetensors tests.
enum Fixtures {
    /// A unique path under the temporary folder; nothing is created there.
    static func temporaryPath(_ suffix: String = ".safetensors") -> String {
        FileManager.default.temporaryDirectory
            .appendingPathComponent("moecl-st-\(UUID().uuidString)\(suffix)").path
    }

    /// A fresh, empty temporary folder.
    static func temporaryFolder() throws -> String {
        let path = temporaryPath("-dir")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        return path
    }

    /// Writes `bytes` to a new temporary file, runs `body` with its path, then removes the file.
    static func withFile<R>(_ bytes: [UInt8], _ body: (String) throws -> R) throws -> R {
        let path = temporaryPath()
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
            throw FixtureError.cannotCreate(path)
        }
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try body(path)
    }

    /// A file made of an explicit length prefix, the header text and the data buffer.
    ///
    /// `headerLength` defaults to the header's UTF-8 length; passing another value builds a
    /// file whose prefix lies.
    static func file(header: String, data: [UInt8] = [], headerLength: UInt64? = nil) -> [UInt8] {
        let json = Array(header.utf8)
        var bytes = withUnsafeBytes(of: (headerLength ?? UInt64(json.count)).littleEndian) { Array($0) }
        bytes += json
        bytes += data
        return bytes
    }

    /// A header whose text is padded with spaces to exactly `length` bytes.
    static func padded(_ header: String, to length: Int) -> String {
        let count = header.utf8.count
        precondition(count <= length, "header of \(count) bytes does not fit in \(length)")
        return header + String(repeating: " ", count: length - count)
    }

    /// One header entry: `"name":{"dtype":..,"shape":[..],"data_offsets":[b,e]}`.
    static func entry(_ name: String, _ dtype: String, _ shape: [Int], _ begin: Int, _ end: Int) -> String {
        let dims = shape.map(String.init).joined(separator: ",")
        return "\"\(name)\":{\"dtype\":\"\(dtype)\",\"shape\":[\(dims)],\"data_offsets\":[\(begin),\(end)]}"
    }

    /// The little-endian bytes of fixed-width values.
    static func bytes<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
        values.flatMap { value in withUnsafeBytes(of: value.littleEndian) { Array($0) } }
    }

    /// The bytes of Float32 values (little-endian host).
    static func bytes(_ values: [Float]) -> [UInt8] {
        bytes(values.map(\.bitPattern))
    }

    /// The bytes of Float64 values (little-endian host).
    static func bytes(_ values: [Double]) -> [UInt8] {
        bytes(values.map(\.bitPattern))
    }

    /// Opens `bytes` as a file and from memory, requires that both fail with `expected(path)`, and checks
    /// that the message names the file and, when given, the tensor.
    static func expectOpenFails(
        _ bytes: [UInt8], mentioning tensor: String? = nil,
        _ expected: (String) -> ModelFormatsError,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        try withFile(bytes) { path in
            let error = try #require(throws: ModelFormatsError.self, sourceLocation: sourceLocation) {
                _ = try SafeTensorsFile(path: path)
            }
            #expect(error == expected(path), sourceLocation: sourceLocation)
            expectMessage(error, path: path, mentioning: tensor, sourceLocation: sourceLocation)
        }
        // The same bytes held in memory (an upload) fail the same way, named as given.
        let fromBytes = try #require(throws: ModelFormatsError.self, sourceLocation: sourceLocation) {
            _ = try SafeTensorsFile(bytes: bytes, name: "upload.safetensors")
        }
        #expect(fromBytes == expected("upload.safetensors"), sourceLocation: sourceLocation)
    }

    /// Checks that `error.description` names the file and, when given, the tensor.
    static func expectMessage(
        _ error: ModelFormatsError, path: String, mentioning tensor: String? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let fileName = URL(fileURLWithPath: path).lastPathComponent
        #expect(error.description.contains(fileName), "\(error.description)", sourceLocation: sourceLocation)
        if let tensor {
            #expect(error.description.contains("'\(tensor)'"), "\(error.description)", sourceLocation: sourceLocation)
        }
    }

    /// The package root, found by walking up from this file to the folder holding Package.swift.
    static func packageRoot(from file: String = #filePath) -> URL? {
        var folder = URL(fileURLWithPath: file).deletingLastPathComponent()
        while folder.path != "/" {
            if FileManager.default.fileExists(atPath: folder.appendingPathComponent("Package.swift").path) {
                return folder
            }
            folder = folder.deletingLastPathComponent()
        }
        return nil
    }

    /// The real MiniLM model file, when `scripts/setup.sh --model` has fetched it.
    static let realModelPath: String? = {
        guard let root = packageRoot() else { return nil }
        let path = root.appendingPathComponent("models/all-MiniLM-L6-v2/model.safetensors").path
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }()
}

/// Failures of the fixtures themselves.
enum FixtureError: Error {
    case cannotCreate(String)
}
