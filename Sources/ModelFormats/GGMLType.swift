// The tensor element types of GGUF files (ggml's type ids) that this reader decodes, with their block layouts.

/// A GGUF tensor type: plain floats, or a block-quantised format in which `blockSize` consecutive values of a
/// row are stored in `typeSize` bytes.
///
/// Ids, block sizes and byte sizes are those of ggml (`ggml_type` and its type traits). Types a file may name
/// but this reader cannot decode (Q8_1, Q2_K, Q3_K, Q8_K, the IQ and TQ families, integer types) are rejected when
/// the file is opened, naming the tensor and the type.
public enum GGMLType: UInt32, Sendable, CaseIterable, CustomStringConvertible {
    case f32 = 0
    case f16 = 1
    case q4_0 = 2
    case q4_1 = 3
    case q5_0 = 6
    case q5_1 = 7
    case q8_0 = 8
    case q4_K = 12
    case q5_K = 13
    case q6_K = 14
    case bf16 = 30

    /// Values per block (1 for plain floats).
    public var blockSize: Int {
        switch self {
        case .f32, .f16, .bf16: return 1
        case .q4_0, .q4_1, .q5_0, .q5_1, .q8_0: return 32
        case .q4_K, .q5_K, .q6_K: return 256
        }
    }

    /// Bytes per block.
    public var typeSize: Int {
        switch self {
        case .f32: return 4
        case .f16, .bf16: return 2
        case .q4_0: return 18  // f16 d, 16 bytes of 4-bit values
        case .q4_1: return 20  // f16 d, f16 m, 16 bytes
        case .q5_0: return 22  // f16 d, 4 bytes of high bits, 16 bytes
        case .q5_1: return 24  // f16 d, f16 m, 4 bytes of high bits, 16 bytes
        case .q8_0: return 34  // f16 d, 32 int8
        case .q4_K: return 144  // f16 d, f16 dmin, 12 bytes of 6-bit scales and mins, 128 bytes
        case .q5_K: return 176  // as q4_K, then 32 bytes of high bits before the 128
        case .q6_K: return 210  // 128 bytes low 4 bits, 64 bytes high 2 bits, 16 int8 scales, f16 d
        }
    }

    /// ggml's name of the type, as files and tools print it.
    public var description: String {
        switch self {
        case .f32: return "F32"
        case .f16: return "F16"
        case .bf16: return "BF16"
        case .q4_0: return "Q4_0"
        case .q4_1: return "Q4_1"
        case .q5_0: return "Q5_0"
        case .q5_1: return "Q5_1"
        case .q8_0: return "Q8_0"
        case .q4_K: return "Q4_K"
        case .q5_K: return "Q5_K"
        case .q6_K: return "Q6_K"
        }
    }

    /// Bytes of a row of `count` values, nil when `count` is not a whole number of blocks.
    public func rowBytes(_ count: Int) -> Int? {
        guard count >= 0, count % blockSize == 0 else { return nil }
        let (bytes, overflow) = (count / blockSize).multipliedReportingOverflow(by: typeSize)
        return overflow ? nil : bytes
    }
}
