// Conversion of raw little-endian tensor bytes at any alignment into Float32 and Int64 arrays.

#if _endian(big)
    #error("ModelFormats reads safetensors data as little-endian host values; big-endian hosts are not supported")
#endif

/// Decoders from raw tensor bytes to Swift arrays.
///
/// Every read is an unaligned load or a byte copy: safetensors only promises that the data
/// buffer follows the header, so a tensor may start at any address.
enum ElementDecoding {
    /// Converts `count` elements of a floating-point `dtype` to Float32.
    /// - Precondition: `dtype.isFloatingPoint` and `bytes.count == count * dtype.size`.
    static func floats(_ bytes: UnsafeRawBufferPointer, dtype: SafeTensorsDType, count: Int) -> [Float] {
        precondition(bytes.count == count * dtype.size, "byte count does not match element count")
        switch dtype {
        case .f32:
            return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
                if count > 0 {
                    UnsafeMutableRawPointer(buffer.baseAddress!).copyMemory(
                        from: bytes.baseAddress!, byteCount: bytes.count)
                }
                initialized = count
            }
        case .f16:
            return convert(bytes, count: count) { (bits: UInt16) in floatFromHalf(bits) }
        case .bf16:
            return convert(bytes, count: count) { (bits: UInt16) in Float(bitPattern: UInt32(bits) << 16) }
        case .f64:
            return convert(bytes, count: count) { (value: Double) in Float(value) }
        default:
            preconditionFailure("\(dtype.rawValue) is not a floating-point dtype")
        }
    }

    /// Widens `count` elements of an integer `dtype` to Int64.
    /// - Precondition: `dtype.isIntegerConvertibleToInt64` and `bytes.count == count * dtype.size`.
    static func int64s(_ bytes: UnsafeRawBufferPointer, dtype: SafeTensorsDType, count: Int) -> [Int64] {
        precondition(bytes.count == count * dtype.size, "byte count does not match element count")
        switch dtype {
        case .i64:
            return [Int64](unsafeUninitializedCapacity: count) { buffer, initialized in
                if count > 0 {
                    UnsafeMutableRawPointer(buffer.baseAddress!).copyMemory(
                        from: bytes.baseAddress!, byteCount: bytes.count)
                }
                initialized = count
            }
        case .i32: return convert(bytes, count: count) { (value: Int32) in Int64(value) }
        case .u32: return convert(bytes, count: count) { (value: UInt32) in Int64(value) }
        case .i16: return convert(bytes, count: count) { (value: Int16) in Int64(value) }
        case .u16: return convert(bytes, count: count) { (value: UInt16) in Int64(value) }
        case .i8: return convert(bytes, count: count) { (value: Int8) in Int64(value) }
        case .u8: return convert(bytes, count: count) { (value: UInt8) in Int64(value) }
        default:
            preconditionFailure("\(dtype.rawValue) does not widen to Int64")
        }
    }

    /// Loads each element of type `Source` at its unaligned offset and maps it through `transform`.
    @inline(__always)
    private static func convert<Source: BitwiseCopyable, Target>(
        _ bytes: UnsafeRawBufferPointer, count: Int, _ transform: (Source) -> Target
    ) -> [Target] {
        let stride = MemoryLayout<Source>.size
        return [Target](unsafeUninitializedCapacity: count) { buffer, initialized in
            for index in 0..<count {
                let value = bytes.loadUnaligned(fromByteOffset: index * stride, as: Source.self)
                (buffer.baseAddress! + index).initialize(to: transform(value))
            }
            initialized = count
        }
    }

    /// Converts IEEE 754 half-precision bits to Float32 exactly, keeping the sign of zero,
    /// infinities, subnormals and NaN payloads.
    static func floatFromHalf(_ bits: UInt16) -> Float {
        let sign = UInt32(bits & 0x8000) << 16
        let exponent = UInt32(bits >> 10) & 0x1F
        let mantissa = UInt32(bits) & 0x3FF
        switch exponent {
        case 0:
            // Zero or subnormal: mantissa × 2^-24, exact in Float32.
            let magnitude = Float(mantissa) * 0x1p-24
            return sign == 0 ? magnitude : -magnitude
        case 0x1F:
            // Infinity (mantissa 0) or NaN with its payload moved to the top of the Float32 mantissa.
            return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
        default:
            // Normal: rebias the exponent from 15 to 127.
            return Float(bitPattern: sign | ((exponent + 112) << 23) | (mantissa << 13))
        }
    }
}
