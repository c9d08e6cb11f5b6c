// Parsing and whole-file validation of a safetensors JSON header into tensor descriptions and metadata.

import Foundation

/// A parsed and validated safetensors header: every tensor's description and the metadata.
///
/// Validation is complete: once `parse` returns, every tensor's byte range lies inside the
/// data buffer, matches its shape and dtype, and overlaps no other tensor.
struct SafeTensorsHeader: Sendable {
    /// The key of the optional metadata object in the header.
    static let metadataKey = "__metadata__"

    /// Tensors in file order: by start offset, then end offset, then name.
    var tensors: [TensorInfo]
    /// The `__metadata__` object, empty when absent.
    var metadata: [String: String]

    /// Parses `json` (the header bytes, possibly space padded) for a file whose data buffer
    /// holds `dataSize` bytes after an `8 + json.count` byte prefix.
    static func parse(json: UnsafeRawBufferPointer, dataSize: Int, path: String) throws -> SafeTensorsHeader {
        let object: Any
        do {
            let data = json.baseAddress.map { Data(bytes: $0, count: json.count) } ?? Data()
            object = try JSONSerialization.jsonObject(with: data, options: [])
        } catch {
            throw ModelFormatsError.invalidHeaderJSON(path: path, reason: "not valid UTF-8 JSON")
        }
        guard let entries = object as? [String: Any] else {
            throw ModelFormatsError.invalidHeaderJSON(path: path, reason: "the top level is not an object")
        }

        var metadata: [String: String] = [:]
        var tensors: [TensorInfo] = []
        tensors.reserveCapacity(entries.count)
        // Sorted keys make the reported error deterministic when several entries are bad.
        for key in entries.keys.sorted() {
            let value = entries[key]!
            if key == metadataKey {
                metadata = try parseMetadata(value, path: path)
            } else {
                tensors.append(try parseEntry(name: key, value, dataSize: dataSize, path: path))
            }
        }
        tensors.sort {
            ($0.byteRange.lowerBound, $0.byteRange.upperBound, $0.name)
                < ($1.byteRange.lowerBound, $1.byteRange.upperBound, $1.name)
        }
        try checkOverlaps(tensors, path: path)
        try checkBounds(tensors, dataSize: dataSize, prefixSize: 8 + json.count, path: path)
        return SafeTensorsHeader(tensors: tensors, metadata: metadata)
    }

    /// Reads `__metadata__`: an object whose values are all strings.
    private static func parseMetadata(_ value: Any, path: String) throws -> [String: String] {
        guard let object = value as? [String: Any] else {
            throw ModelFormatsError.invalidMetadata(path: path, key: metadataKey, reason: "it is not a JSON object")
        }
        var metadata: [String: String] = [:]
        for key in object.keys.sorted() {
            guard let string = object[key] as? String else {
                throw ModelFormatsError.invalidMetadata(
                    path: path, key: key, reason: "its value \(describe(object[key]!)) is not a string")
            }
            metadata[key] = string
        }
        return metadata
    }

    /// Reads one tensor entry and checks it on its own: field types, dtype, dims, offsets, size.
    private static func parseEntry(name: String, _ value: Any, dataSize: Int, path: String) throws -> TensorInfo {
        func bad(_ reason: String) -> ModelFormatsError {
            .invalidHeaderEntry(path: path, tensor: name, reason: reason)
        }
        guard let entry = value as? [String: Any] else { throw bad("it is not a JSON object") }
        guard let dtypeValue = entry["dtype"] else { throw bad("\"dtype\" is missing") }
        guard let dtypeName = dtypeValue as? String else {
            throw bad("\"dtype\" is \(describe(dtypeValue)), not a string")
        }
        guard let shapeValue = entry["shape"] else { throw bad("\"shape\" is missing") }
        guard let shapeArray = shapeValue as? [Any], let shape = integers(shapeArray) else {
            throw bad("\"shape\" is \(describe(shapeValue)), not an array of integers")
        }
        guard let offsetsValue = entry["data_offsets"] else { throw bad("\"data_offsets\" is missing") }
        guard let offsetsArray = offsetsValue as? [Any], offsetsArray.count == 2,
            let offsets = integers(offsetsArray)
        else {
            throw bad("\"data_offsets\" is \(describe(offsetsValue)), not an array of two integers")
        }
        guard let dtype = SafeTensorsDType(rawValue: dtypeName) else {
            throw ModelFormatsError.unknownDType(path: path, tensor: name, dtype: dtypeName)
        }
        if let negative = shape.first(where: { $0 < 0 }) {
            throw bad("\"shape\" \(shape) has the negative dimension \(negative)")
        }
        let (begin, end) = (offsets[0], offsets[1])
        guard begin >= 0, begin <= end else {
            throw ModelFormatsError.offsetsOutOfRange(
                path: path, tensor: name, begin: begin, end: end, dataSize: dataSize)
        }
        guard let needed = dtype.byteCount(forShape: shape), needed == end - begin else {
            throw ModelFormatsError.shapeMismatch(
                path: path, tensor: name, shape: shape, dtype: dtype.rawValue, byteCount: end - begin)
        }
        return TensorInfo(name: name, dtype: dtype, shape: shape, byteRange: begin..<end)
    }

    /// Rejects any two non-empty ranges that share a byte; `tensors` must be sorted by start.
    private static func checkOverlaps(_ tensors: [TensorInfo], path: String) throws {
        var furthest: TensorInfo?
        for tensor in tensors where !tensor.byteRange.isEmpty {
            if let previous = furthest, tensor.byteRange.lowerBound < previous.byteRange.upperBound {
                throw ModelFormatsError.overlappingTensors(path: path, first: previous.name, second: tensor.name)
            }
            if furthest == nil || tensor.byteRange.upperBound > furthest!.byteRange.upperBound {
                furthest = tensor
            }
        }
    }

    /// Rejects ranges past the data buffer. When the ranges tile the buffer from offset 0 without
    /// gaps (as every writer lays them out) the file itself was cut short, which is reported as
    /// truncation; otherwise the offending tensor's offsets are reported.
    private static func checkBounds(_ tensors: [TensorInfo], dataSize: Int, prefixSize: Int, path: String) throws {
        let maxEnd = tensors.map(\.byteRange.upperBound).max() ?? 0
        guard maxEnd > dataSize else { return }
        var next = 0
        var tiled = true
        for tensor in tensors where !tensor.byteRange.isEmpty {
            if tensor.byteRange.lowerBound != next { tiled = false; break }
            next = tensor.byteRange.upperBound
        }
        if tiled && tensors.allSatisfy({ $0.byteRange.lowerBound <= next }) {
            throw ModelFormatsError.truncated(
                path: path, expectedBytes: prefixSize + maxEnd, actualBytes: prefixSize + dataSize)
        }
        let outside = tensors.first { $0.byteRange.upperBound > dataSize }!
        throw ModelFormatsError.offsetsOutOfRange(
            path: path, tensor: outside.name, begin: outside.byteRange.lowerBound,
            end: outside.byteRange.upperBound, dataSize: dataSize)
    }

    /// The values as `Int`s if every one is a JSON integer that fits; nil otherwise.
    ///
    /// JSON booleans and fractional numbers are rejected even though Foundation would
    /// happily bridge `true` or `2.0` to an `Int`.
    private static func integers(_ values: [Any]) -> [Int]? {
        var result: [Int] = []
        result.reserveCapacity(values.count)
        for value in values {
            guard let number = value as? NSNumber else { return nil }
            let kind = String(cString: number.objCType)
            guard ["s", "i", "l", "q", "S", "I", "L", "Q"].contains(kind), let int = value as? Int else { return nil }
            result.append(int)
        }
        return result
    }

    /// A short rendering of a JSON value for error messages.
    private static func describe(_ value: Any) -> String {
        switch value {
        case is NSNull: return "null"
        case let string as String: return "the string \"\(string)\""
        case is [Any]: return "an array"
        case is [String: Any]: return "an object"
        case let number as NSNumber:
            return String(cString: number.objCType) == "c" ? "the boolean \(number.boolValue)" : "the number \(number)"
        default: return "\(value)"
        }
    }
}
