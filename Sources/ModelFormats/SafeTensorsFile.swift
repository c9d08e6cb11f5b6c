// A read-only safetensors file, memory-mapped or held in memory, whose header is fully validated when it is opened.

import Foundation
import TensorCore

/// A safetensors file mapped read-only into memory, or a copy of its bytes (an upload, validated before anything
/// is written).
///
/// Opening the file validates the whole header (field types, dtypes, shapes against byte
/// ranges, bounds and overlaps), so the accessors can only fail for a missing name or a
/// dtype that cannot give the requested kind of value. Tensor bytes are read straight from
/// the mapping with unaligned loads: the data buffer may start at any offset.
///
/// The class is `@unchecked Sendable` because it is immutable after `init`: every stored
/// property is a `let`, and the mapping is `PROT_READ` (or a private copy) released only in `deinit`, when no
/// other reference can exist. Concurrent reads from any number of tasks are therefore safe.
/// As with any mapping, another process truncating the file while it is open can crash the
/// reader; model files are expected to be replaced atomically (as `SafeTensorsWriter` does).
public final class SafeTensorsFile: @unchecked Sendable {
    /// The largest header length accepted, in bytes (100 MB); larger values mean a corrupt file.
    public static let maxHeaderLength = 100_000_000

    /// The path the file was opened from, as given, or the name given to bytes (used in error messages).
    public let path: String
    /// The header's `__metadata__` object; empty when the file has none.
    public let metadata: [String: String]
    /// Tensor names in file order: by start offset in the data buffer (ties by end, then name).
    public let names: [String]
    /// Size of the data buffer that follows the header, in bytes.
    public let dataSize: Int

    private let infos: [String: TensorInfo]
    /// The whole file; never empty, since a valid file has at least its 8-byte length prefix.
    private let mapping: UnsafeRawBufferPointer
    /// Offset of the data buffer within the file: 8 + header length.
    private let dataOffset: Int
    /// Owns `mapping` (an mmap of the file, or a copy of bytes).
    private let storage: MappedBytes

    /// Opens, maps and validates the safetensors file at `path`.
    ///
    /// The whole file is mapped, so the mapping is at least 8 bytes long even when the file
    /// has no tensors or an empty data buffer (mapping 0 bytes would fail).
    /// - Throws: `ModelFormatsError` describing the first problem found.
    public convenience init(path: String) throws {
        try self.init(validating: MappedBytes(path: path, minimumBytes: 8), path: path)
    }

    /// Validates a copy of `bytes`, a whole safetensors file, named `name` in error messages (for example "the
    /// uploaded file").
    /// - Throws: `ModelFormatsError` describing the first problem found.
    public convenience init(bytes: [UInt8], name: String) throws {
        try self.init(validating: MappedBytes(copying: bytes, name: name, minimumBytes: 8), path: name)
    }

    /// Parses and checks the header of `storage` (at least 8 bytes).
    private init(validating storage: MappedBytes, path: String) throws {
        let mapping = storage.buffer
        let fileSize = mapping.count
        let declared = UInt64(littleEndian: mapping.loadUnaligned(as: UInt64.self))
        guard declared <= UInt64(Self.maxHeaderLength), declared <= UInt64(fileSize - 8) else {
            throw ModelFormatsError.headerTooLarge(path: path, headerLength: declared, fileSize: fileSize)
        }
        let headerLength = Int(declared)
        let header = try SafeTensorsHeader.parse(
            json: UnsafeRawBufferPointer(rebasing: mapping[8..<(8 + headerLength)]),
            dataSize: fileSize - 8 - headerLength, path: path)
        self.path = path
        self.metadata = header.metadata
        self.names = header.tensors.map(\.name)
        self.infos = Dictionary(uniqueKeysWithValues: header.tensors.map { ($0.name, $0) })
        self.storage = storage
        self.mapping = mapping
        self.dataOffset = 8 + headerLength
        self.dataSize = fileSize - 8 - headerLength
    }

    /// The description of tensor `name`, or nil when the file has no such tensor.
    public func info(_ name: String) -> TensorInfo? {
        infos[name]
    }

    /// Reads tensor `name` as Float32, converting from F32, F16, BF16 or F64.
    ///
    /// F32, F16 and BF16 convert exactly; F64 rounds to the nearest Float32.
    /// - Throws: `.missingTensor` for an unknown name, `.wrongDType` for a non-float dtype.
    public func tensor(_ name: String) throws -> Tensor {
        let info = try lookup(name)
        guard info.dtype.isFloatingPoint else {
            throw ModelFormatsError.wrongDType(
                path: path, tensor: name, dtype: info.dtype.rawValue, expected: "Float32 (needs F32, F16, BF16 or F64)")
        }
        let data = ElementDecoding.floats(bytes(of: info), dtype: info.dtype, count: info.elementCount)
        return Tensor(shape: info.shape, data: data)
    }

    /// Calls `body` with tensor `name` as Float32 values: F32 data straight from the mapping when it is aligned,
    /// anything else (F16, BF16, F64, unaligned F32) decoded into a temporary buffer first.
    /// The buffer must not escape `body`.
    /// - Throws: `.missingTensor` for an unknown name, `.wrongDType` for a non-float dtype, or what `body` throws.
    public func withFloats<R>(_ name: String, _ body: (UnsafeBufferPointer<Float>) throws -> R) throws -> R {
        let info = try lookup(name)
        guard info.dtype.isFloatingPoint else {
            throw ModelFormatsError.wrongDType(
                path: path, tensor: name, dtype: info.dtype.rawValue, expected: "Float32 (needs F32, F16, BF16 or F64)")
        }
        let raw = bytes(of: info)
        if info.dtype == .f32, let base = raw.baseAddress, Int(bitPattern: base) % MemoryLayout<Float>.alignment == 0 {
            return try withExtendedLifetime(self) {
                try body(UnsafeBufferPointer(start: base.assumingMemoryBound(to: Float.self), count: info.elementCount))
            }
        }
        let values = ElementDecoding.floats(raw, dtype: info.dtype, count: info.elementCount)
        return try values.withUnsafeBufferPointer(body)
    }

    /// Reads tensor `name` as Int64: I64 as stored, narrower integer dtypes
    /// (I32, U32, I16, U16, I8, U8) widened.
    /// - Throws: `.missingTensor` for an unknown name, `.wrongDType` for float, BOOL or U64 data.
    public func int64s(_ name: String) throws -> [Int64] {
        let info = try lookup(name)
        guard info.dtype.isIntegerConvertibleToInt64 else {
            throw ModelFormatsError.wrongDType(
                path: path, tensor: name, dtype: info.dtype.rawValue,
                expected: "Int64 (needs I64, I32, U32, I16, U16, I8 or U8)")
        }
        return ElementDecoding.int64s(bytes(of: info), dtype: info.dtype, count: info.elementCount)
    }

    /// A copy of tensor `name`'s bytes exactly as stored (little-endian, any dtype).
    /// - Throws: `.missingTensor` for an unknown name.
    public func rawBytes(_ name: String) throws -> [UInt8] {
        try withRawBytes(name) { [UInt8]($0) }
    }

    /// Calls `body` with tensor `name`'s stored bytes, without copying.
    ///
    /// The buffer points into the mapping: it may be unaligned and must not escape `body`.
    /// - Throws: `.missingTensor` for an unknown name, or whatever `body` throws.
    public func withRawBytes<R>(_ name: String, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        let info = try lookup(name)
        return try withExtendedLifetime(self) { try body(bytes(of: info)) }
    }

    /// The description of `name`, or `.missingTensor`.
    private func lookup(_ name: String) throws -> TensorInfo {
        guard let info = infos[name] else {
            throw ModelFormatsError.missingTensor(path: path, tensor: name)
        }
        return info
    }

    /// The mapped bytes of a validated tensor; valid while `self` is alive.
    private func bytes(of info: TensorInfo) -> UnsafeRawBufferPointer {
        let start = dataOffset + info.byteRange.lowerBound
        return UnsafeRawBufferPointer(rebasing: mapping[start..<(start + info.byteRange.count)])
    }
}
