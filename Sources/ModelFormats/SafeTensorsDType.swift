// The element types a safetensors file may declare, with their sizes and the conversions this reader offers.

/// An element type of a safetensors tensor, spelled as in the file's header.
public enum SafeTensorsDType: String, Sendable, CaseIterable, Equatable, Hashable {
    /// One byte per element, 0 or 1.
    case bool = "BOOL"
    /// Unsigned 8-bit integer.
    case u8 = "U8"
    /// Signed 8-bit integer.
    case i8 = "I8"
    /// Signed 16-bit integer.
    case i16 = "I16"
    /// Unsigned 16-bit integer.
    case u16 = "U16"
    /// IEEE 754 half precision.
    case f16 = "F16"
    /// bfloat16: the upper 16 bits of a Float32.
    case bf16 = "BF16"
    /// Signed 32-bit integer.
    case i32 = "I32"
    /// Unsigned 32-bit integer.
    case u32 = "U32"
    /// IEEE 754 single precision.
    case f32 = "F32"
    /// IEEE 754 double precision.
    case f64 = "F64"
    /// Signed 64-bit integer.
    case i64 = "I64"
    /// Unsigned 64-bit integer.
    case u64 = "U64"

    /// Bytes per element.
    public var size: Int {
        switch self {
        case .bool, .u8, .i8: return 1
        case .i16, .u16, .f16, .bf16: return 2
        case .i32, .u32, .f32: return 4
        case .f64, .i64, .u64: return 8
        }
    }

    /// Whether `SafeTensorsFile.tensor(_:)` converts this dtype to Float32.
    public var isFloatingPoint: Bool {
        switch self {
        case .f16, .bf16, .f32, .f64: return true
        default: return false
        }
    }

    /// Whether `SafeTensorsFile.int64s(_:)` widens this dtype to Int64 without loss.
    ///
    /// U64 is excluded because values above `Int64.max` would not fit; BOOL is not a number.
    public var isIntegerConvertibleToInt64: Bool {
        switch self {
        case .u8, .i8, .i16, .u16, .i32, .u32, .i64: return true
        default: return false
        }
    }

    /// The number of bytes a tensor of this dtype and `shape` occupies,
    /// or nil when a dimension is negative or the size overflows `Int`.
    public func byteCount(forShape shape: [Int]) -> Int? {
        var count = size
        for dim in shape {
            guard dim >= 0 else { return nil }
            let (product, overflow) = count.multipliedReportingOverflow(by: dim)
            guard !overflow else { return nil }
            count = product
        }
        return count
    }
}
