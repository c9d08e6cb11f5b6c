// The single error type of ModelFormats: every way reading or writing a model file can fail, with actionable messages.

/// Everything that can go wrong while reading or writing a model file.
///
/// Each case carries the file path and, where one is involved, the tensor name and the
/// offending value, so that `description` can say exactly what is wrong and what to do.
public enum ModelFormatsError: Error, CustomStringConvertible, Equatable, Sendable {
    /// No file exists at `path`.
    case fileNotFound(path: String)
    /// The file exists but could not be opened, inspected or mapped.
    case unreadable(path: String, reason: String)
    /// The file is shorter than its own structure says it must be.
    case truncated(path: String, expectedBytes: Int, actualBytes: Int)
    /// The 8-byte header length is over `SafeTensorsFile.maxHeaderLength` or runs past the end of the file.
    case headerTooLarge(path: String, headerLength: UInt64, fileSize: Int)
    /// The header is not valid UTF-8 JSON, or not a JSON object.
    case invalidHeaderJSON(path: String, reason: String)
    /// A tensor entry in the header lacks a field or has a field of the wrong type.
    case invalidHeaderEntry(path: String, tensor: String, reason: String)
    /// A tensor entry names a dtype this reader does not know.
    case unknownDType(path: String, tensor: String, dtype: String)
    /// A tensor's shape and dtype need a different number of bytes than its data range holds.
    case shapeMismatch(path: String, tensor: String, shape: [Int], dtype: String, byteCount: Int)
    /// A tensor's data range is inverted or reaches past the end of the data buffer.
    case offsetsOutOfRange(path: String, tensor: String, begin: Int, end: Int, dataSize: Int)
    /// Two tensors claim overlapping bytes of the data buffer.
    case overlappingTensors(path: String, first: String, second: String)
    /// A lookup asked for a tensor the file does not contain.
    case missingTensor(path: String, tensor: String)
    /// A tensor was read as a kind of value its dtype cannot provide (e.g. floats from I64).
    case wrongDType(path: String, tensor: String, dtype: String, expected: String)
    /// The `__metadata__` entry is not an object of string values.
    case invalidMetadata(path: String, key: String, reason: String)
    /// A writer was given the same tensor name twice.
    case duplicateTensor(name: String)
    /// A writer was given a tensor whose name, shape or bytes are unusable.
    case invalidTensor(name: String, reason: String)
    /// Writing the file failed part way; the destination holds either the old or the complete new file.
    case writeFailed(path: String, reason: String)
    /// A GGUF file's header, metadata or tensor table breaks the format (`reason` says where and how).
    case invalidGGUF(path: String, reason: String)
    /// A GGUF tensor entry is unusable: an unknown type, bad dimensions, a misaligned or out-of-range offset.
    case invalidGGUFTensor(path: String, tensor: String, reason: String)

    /// The advice appended to messages about a damaged GGUF file.
    static let corruptGGUFAdvice =
        "the file is corrupt or not a GGUF file; download it again (make setup) or re-create it"

    /// The advice appended to messages about a damaged file.
    static let corruptAdvice =
        "the file is corrupt or not a safetensors file; re-create it, or download it again (make setup)"

    /// A one-line message naming the file, the tensor and the bad value, ending with what to do.
    public var description: String {
        switch self {
        case .fileNotFound(let path):
            return "\(path): no such file; check the path, or fetch the model first (make setup)"
        case .unreadable(let path, let reason):
            return "\(path): cannot read the file (\(reason)); check that it is a regular file you may read"
        case .truncated(let path, let expected, let actual):
            return "\(path): the file is \(actual) bytes but its structure needs at least \(expected) bytes: "
                + "it is truncated (an interrupted download or copy?); \(Self.corruptAdvice)"
        case .headerTooLarge(let path, let length, let fileSize):
            if length > UInt64(SafeTensorsFile.maxHeaderLength) {
                return
                    "\(path): header length \(length) bytes is over the \(SafeTensorsFile.maxHeaderLength)-byte bound; "
                    + Self.corruptAdvice
            }
            return "\(path): header length \(length) bytes is larger than the \(fileSize)-byte file allows; "
                + Self.corruptAdvice
        case .invalidHeaderJSON(let path, let reason):
            return "\(path): the header is not a valid JSON object (\(reason)); \(Self.corruptAdvice)"
        case .invalidHeaderEntry(let path, let tensor, let reason):
            return "\(path): tensor '\(tensor)' has an invalid header entry: \(reason); \(Self.corruptAdvice)"
        case .unknownDType(let path, let tensor, let dtype):
            let known = SafeTensorsDType.allCases.map(\.rawValue).joined(separator: ", ")
            return "\(path): tensor '\(tensor)' has unknown dtype '\(dtype)' (known: \(known)); "
                + "convert the file to a supported dtype, or \(Self.corruptAdvice)"
        case .shapeMismatch(let path, let tensor, let shape, let dtype, let byteCount):
            return "\(path): tensor '\(tensor)' has shape \(shape) (\(Self.needed(shape, dtype)) as \(dtype)) "
                + "but its data range holds \(byteCount) bytes: \(Self.corruptAdvice)"
        case .offsetsOutOfRange(let path, let tensor, let begin, let end, let dataSize):
            return
                "\(path): tensor '\(tensor)' has data_offsets [\(begin), \(end)] outside the "
                + "\(dataSize)-byte data buffer: " + Self.corruptAdvice
        case .overlappingTensors(let path, let first, let second):
            return "\(path): tensors '\(first)' and '\(second)' have overlapping data ranges: \(Self.corruptAdvice)"
        case .missingTensor(let path, let tensor):
            return "\(path): no tensor named '\(tensor)'; check the name against the file's tensor list "
                + "(is this the right model, or a different architecture?)"
        case .wrongDType(let path, let tensor, let dtype, let expected):
            return "\(path): tensor '\(tensor)' is \(dtype), which cannot be read as \(expected); "
                + "use the reader that matches its dtype"
        case .invalidMetadata(let path, let key, let reason):
            return "\(path): metadata entry '\(key)' is invalid: \(reason); \(Self.corruptAdvice)"
        case .duplicateTensor(let name):
            return "tensor '\(name)' was added twice; give every tensor a unique name"
        case .invalidTensor(let name, let reason):
            return "tensor '\(name)' cannot be written: \(reason)"
        case .writeFailed(let path, let reason):
            return "\(path): writing failed (\(reason)); a partial file is never left at this path; "
                + "check free space and permissions of the folder"
        case .invalidGGUF(let path, let reason):
            return "\(path): not a valid GGUF file: \(reason); \(Self.corruptGGUFAdvice)"
        case .invalidGGUFTensor(let path, let tensor, let reason):
            return "\(path): GGUF tensor '\(tensor)': \(reason); \(Self.corruptGGUFAdvice)"
        }
    }

    /// "N bytes" for a shape and dtype name, or a short note when either is unusable.
    private static func needed(_ shape: [Int], _ dtype: String) -> String {
        guard let type = SafeTensorsDType(rawValue: dtype),
            let bytes = type.byteCount(forShape: shape)
        else { return "an unrepresentable size" }
        return "\(bytes) bytes"
    }
}
