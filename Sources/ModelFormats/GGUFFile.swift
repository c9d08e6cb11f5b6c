// A read-only GGUF file (versions 2 and 3), memory-mapped or held in memory, validated in full when it is opened.

import Foundation
import TensorCore

/// A GGUF file: metadata (key → typed value), a tensor table, and the tensors' data, aligned, after it.
///
/// Opening it checks everything the tensor accessors rely on: the magic and version; counts, string lengths
/// and array lengths against the bytes that remain; every value type; unique keys and tensor names; the
/// alignment (`general.alignment`, a power of two, default 32); each tensor's type (one `GGMLType` decodes),
/// dimensions (1 to 4, each ≥ 1, the row a whole number of blocks), offset (a multiple of the alignment) and byte
/// range (inside the data section, overlapping no other tensor). Errors name the file, and the tensor or the
/// metadata key. Immutable after `init`, so reads from any thread are safe.
public final class GGUFFile: @unchecked Sendable {
    /// The path it was opened from, or the name given to bytes.
    public let path: String
    public let version: Int
    /// Metadata in file order.
    public let metadataKeys: [String]
    public let metadata: [String: GGUFValue]
    /// Tensors in file order.
    public let tensors: [GGUFTensorInfo]
    public let alignment: Int
    /// Offset of the data section in the file.
    public let dataOffset: Int

    private let byName: [String: Int]
    private let storage: MappedBytes

    /// Most tensors and metadata entries accepted (larger counts mean a corrupt file).
    public static let maxTensors = 1 << 16
    public static let maxMetadataEntries = 1 << 16
    static let magic: UInt32 = 0x4655_4747  // "GGUF" read as a little-endian uint32

    public convenience init(path: String) throws {
        try self.init(validating: MappedBytes(path: path, minimumBytes: 4), path: path)
    }

    /// Validates a copy of `bytes`, a whole GGUF file, named `name` in errors.
    public convenience init(bytes: [UInt8], name: String) throws {
        try self.init(validating: MappedBytes(copying: bytes, name: name, minimumBytes: 4), path: name)
    }

    private init(validating storage: MappedBytes, path: String) throws {
        var c = GGUFCursor(bytes: storage.buffer, path: path)
        let magic = try c.u32("the magic")
        guard magic == Self.magic else {
            throw c.failure(
                "it starts with bytes \(Self.hex(magic)), not the magic \"GGUF\" (47 47 55 46)")
        }
        let version = try c.u32("the version")
        guard version == 2 || version == 3 else {
            throw c.failure("it is GGUF version \(version); this reader reads versions 2 and 3")
        }
        let tensorCount = try c.count("the tensor count", limit: Self.maxTensors)
        let entryCount = try c.count("the metadata entry count", limit: Self.maxMetadataEntries)
        var keys: [String] = [], metadata: [String: GGUFValue] = [:]
        for i in 0..<entryCount {
            let key = try c.string("the key of metadata entry \(i)")
            guard !key.isEmpty else { throw c.failure("metadata entry \(i) has an empty key") }
            guard metadata[key] == nil else { throw c.failure("metadata key '\(key)' appears twice") }
            let type = try c.u32("the value type of '\(key)'")
            metadata[key] = try c.value(type: type, what: "the value of '\(key)'")
            keys.append(key)
        }
        var alignment = 32
        if let value = metadata["general.alignment"] {
            guard case .uint32(let a) = value, a > 0, a & (a - 1) == 0 else {
                throw c.failure("'general.alignment' must be a uint32 power of two, not \(value)")
            }
            alignment = Int(a)
        }
        var infos: [(name: String, type: GGMLType, dimensions: [Int], offset: Int)] = []
        var seen: [String: Int] = [:]
        for i in 0..<tensorCount {
            let name = try c.string("the name of tensor \(i)")
            guard !name.isEmpty else { throw c.failure("tensor \(i) has an empty name") }
            guard seen[name] == nil else { throw c.failure("tensor name '\(name)' appears twice") }
            seen[name] = i
            func bad(_ reason: String) -> ModelFormatsError {
                .invalidGGUFTensor(path: path, tensor: name, reason: reason)
            }
            let rank = try c.u32("the dimension count of '\(name)'")
            guard (1...4).contains(rank) else { throw bad("it has \(rank) dimensions; GGUF tensors have 1 to 4") }
            var dimensions: [Int] = []
            for d in 0..<Int(rank) {
                let size = try c.u64("dimension \(d) of '\(name)'")
                guard size >= 1, size <= UInt64(Int32.max) else {
                    throw bad("dimension \(d) is \(size); each must be 1 to \(Int32.max)")
                }
                dimensions.append(Int(size))
            }
            let rawType = try c.u32("the type of '\(name)'")
            guard let type = GGMLType(rawValue: rawType) else {
                let known = GGMLType.allCases.map { "\($0) (\($0.rawValue))" }.joined(separator: ", ")
                throw bad("its type \(rawType) is not one this reader decodes (\(known))")
            }
            let offset = try c.u64("the offset of '\(name)'")
            guard offset % UInt64(alignment) == 0, offset <= UInt64(storage.buffer.count) else {
                throw bad("its offset \(offset) is not a multiple of the alignment \(alignment) inside the file")
            }
            infos.append((name, type, dimensions, Int(offset)))
        }
        let dataOffset = (c.offset + alignment - 1) / alignment * alignment
        guard dataOffset <= storage.buffer.count else {
            throw c.failure(
                "the data section would start at byte \(dataOffset), past the end of the \(storage.buffer.count)-byte file"
            )
        }
        let dataSize = storage.buffer.count - dataOffset
        var tensors: [GGUFTensorInfo] = []
        for info in infos {
            func bad(_ reason: String) -> ModelFormatsError {
                .invalidGGUFTensor(path: path, tensor: info.name, reason: reason)
            }
            guard let row = info.type.rowBytes(info.dimensions[0]) else {
                throw bad(
                    "its rows of \(info.dimensions[0]) values are not a whole number of \(info.type) blocks of "
                        + "\(info.type.blockSize)")
            }
            var bytes = row
            for d in info.dimensions.dropFirst() {
                let (product, overflow) = bytes.multipliedReportingOverflow(by: d)
                guard !overflow else { throw bad("its dimensions \(info.dimensions) are too large") }
                bytes = product
            }
            guard bytes <= dataSize - min(info.offset, dataSize), info.offset <= dataSize else {
                throw bad(
                    "its \(bytes) bytes at offset \(info.offset) reach past the end of the \(dataSize)-byte data "
                        + "section (the file is truncated?)")
            }
            tensors.append(
                GGUFTensorInfo(
                    name: info.name, type: info.type, dimensions: info.dimensions,
                    byteRange: info.offset..<(info.offset + bytes)))
        }
        let ordered = tensors.sorted {
            ($0.byteRange.lowerBound, $0.byteRange.upperBound) < ($1.byteRange.lowerBound, $1.byteRange.upperBound)
        }
        for (a, b) in zip(ordered, ordered.dropFirst()) where a.byteRange.overlaps(b.byteRange) {
            throw ModelFormatsError.overlappingTensors(path: path, first: a.name, second: b.name)
        }
        self.path = path
        self.version = Int(version)
        self.metadataKeys = keys
        self.metadata = metadata
        self.tensors = tensors
        self.alignment = alignment
        self.dataOffset = dataOffset
        self.byName = seen
        self.storage = storage
    }

    /// The description of tensor `name`, or nil.
    public func info(_ name: String) -> GGUFTensorInfo? {
        byName[name].map { tensors[$0] }
    }

    /// Tensor `name` decoded to Float32 (every `GGMLType` decodes), in file order: `dimensions[0]` fastest.
    public func floats(_ name: String) throws -> [Float] {
        let info = try lookup(name)
        return withExtendedLifetime(storage) {
            GGMLDequantization.floats(bytes(of: info), type: info.type, count: info.elementCount)
        }
    }

    /// Tensor `name` as Float32 with its row-major `shape` (`dimensions` reversed).
    public func tensor(_ name: String) throws -> Tensor {
        let info = try lookup(name)
        return Tensor(shape: info.shape, data: try floats(name))
    }

    /// Calls `body` with tensor `name`'s stored bytes, without copying (they must not escape `body`).
    public func withRawBytes<R>(_ name: String, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        let info = try lookup(name)
        return try withExtendedLifetime(storage) { try body(bytes(of: info)) }
    }

    private func lookup(_ name: String) throws -> GGUFTensorInfo {
        guard let info = info(name) else { throw ModelFormatsError.missingTensor(path: path, tensor: name) }
        return info
    }

    private func bytes(of info: GGUFTensorInfo) -> UnsafeRawBufferPointer {
        let start = dataOffset + info.byteRange.lowerBound
        return UnsafeRawBufferPointer(rebasing: storage.buffer[start..<(start + info.byteRange.count)])
    }

    private static func hex(_ value: UInt32) -> String {
        (0..<4).map { String(format: "%02X", (value >> (8 * $0)) & 0xFF) }.joined(separator: " ")
    }
}
