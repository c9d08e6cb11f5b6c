// Building safetensors files: a deterministic, 8-byte aligned header followed by the tensors' raw bytes.

import TensorCore

/// Collects tensors and metadata and serializes them as a safetensors file.
///
/// The output is deterministic: tensors appear in the header and the data buffer in the
/// order they were added, metadata keys are sorted, and the header is padded with spaces so
/// the data buffer starts at an 8-byte aligned file offset. Bytes are stored exactly as
/// given, so a round trip through `SafeTensorsFile` is bit exact (NaN payloads, -0.0).
public struct SafeTensorsWriter: Sendable {
    /// One tensor waiting to be written.
    private struct Entry: Sendable {
        var name: String
        var dtype: SafeTensorsDType
        var shape: [Int]
        var bytes: [UInt8]
    }

    /// String pairs stored under the header's `__metadata__` key; omitted when empty.
    public var metadata: [String: String]
    private var entries: [Entry] = []
    private var usedNames: Set<String> = []
    /// The first name added twice through the non-throwing `add`, reported by `serialized()`.
    private var firstDuplicate: String?

    /// Creates an empty writer.
    public init(metadata: [String: String] = [:]) {
        self.metadata = metadata
    }

    /// Names of the tensors added so far, in insertion order.
    public var names: [String] { entries.map(\.name) }

    /// Adds a Float32 tensor, stored as F32.
    ///
    /// A repeated name is not rejected here but makes `serialized()` and `write(to:)` throw
    /// `.duplicateTensor`.
    public mutating func add(_ name: String, _ tensor: Tensor) {
        let bytes = tensor.data.withUnsafeBytes { [UInt8]($0) }
        if !usedNames.insert(name).inserted, firstDuplicate == nil {
            firstDuplicate = name
        }
        entries.append(Entry(name: name, dtype: .f32, shape: tensor.shape, bytes: bytes))
    }

    /// Adds a tensor of any dtype from its little-endian bytes.
    /// - Throws: `.duplicateTensor` for a name already added, `.invalidTensor` for a reserved
    ///   name, a negative dimension, or a byte count that does not match shape and dtype.
    public mutating func add(_ name: String, dtype: SafeTensorsDType, shape: [Int], bytes: [UInt8]) throws {
        try Self.checkName(name)
        guard let needed = dtype.byteCount(forShape: shape) else {
            throw ModelFormatsError.invalidTensor(
                name: name, reason: "shape \(shape) has a negative dimension or is too large")
        }
        guard needed == bytes.count else {
            throw ModelFormatsError.invalidTensor(
                name: name,
                reason: "shape \(shape) as \(dtype.rawValue) needs \(needed) bytes but \(bytes.count) were given")
        }
        guard !usedNames.contains(name) else { throw ModelFormatsError.duplicateTensor(name: name) }
        usedNames.insert(name)
        entries.append(Entry(name: name, dtype: dtype, shape: shape, bytes: bytes))
    }

    /// The complete file: length prefix, padded header, data buffer.
    /// - Throws: `.duplicateTensor` or `.invalidTensor` for a tensor that cannot be written.
    public func serialized() throws -> [UInt8] {
        if let duplicate = firstDuplicate { throw ModelFormatsError.duplicateTensor(name: duplicate) }
        for entry in entries { try Self.checkName(entry.name) }

        var header = Array(headerJSON().utf8)
        let padding = (8 - header.count % 8) % 8
        header.append(contentsOf: repeatElement(UInt8(ascii: " "), count: padding))

        let dataSize = entries.reduce(0) { $0 + $1.bytes.count }
        var file: [UInt8] = []
        file.reserveCapacity(8 + header.count + dataSize)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { file.append(contentsOf: $0) }
        file.append(contentsOf: header)
        for entry in entries { file.append(contentsOf: entry.bytes) }
        return file
    }

    /// Writes the file atomically: a temporary file in the same folder is written, fsynced and
    /// renamed over `path`, then the folder is fsynced. On failure `path` is left untouched.
    /// - Throws: what `serialized()` throws, or `.writeFailed`.
    public func write(to path: String) throws {
        try AtomicFileWriter.writeAtomically(try serialized(), to: path)
    }

    /// The header JSON without padding: metadata first, then tensors in insertion order.
    ///
    /// Built by hand because `JSONSerialization` does not preserve key order.
    private func headerJSON() -> String {
        var fields: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.keys.sorted().map { "\(Self.quoted($0)):\(Self.quoted(metadata[$0]!))" }
            fields.append("\(Self.quoted(SafeTensorsHeader.metadataKey)):{\(pairs.joined(separator: ","))}")
        }
        var offset = 0
        for entry in entries {
            let end = offset + entry.bytes.count
            let shape = entry.shape.map(String.init).joined(separator: ",")
            fields.append(
                "\(Self.quoted(entry.name)):{\"dtype\":\"\(entry.dtype.rawValue)\",\"shape\":[\(shape)],"
                    + "\"data_offsets\":[\(offset),\(end)]}")
            offset = end
        }
        return "{\(fields.joined(separator: ","))}"
    }

    /// Rejects names that cannot be tensor keys.
    private static func checkName(_ name: String) throws {
        if name == SafeTensorsHeader.metadataKey {
            throw ModelFormatsError.invalidTensor(
                name: name, reason: "the name is reserved for the metadata object; choose another name")
        }
    }

    static func quoted(_ text: String) -> String { JSONString.quoted(text) }
}
