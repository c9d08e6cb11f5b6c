// Block-quantised GGUF tensor data to Float32, value for value as the `gguf` Python package's dequantisers give it.

/// Dequantisation of every `GGMLType`.
///
/// Each block is decoded with the same float32 operations, in the same order, as `gguf.quants` (the reference
/// the tests compare with bit for bit): scales are widened from f16 first, products and sums are rounded to
/// float32 one at a time (Swift never fuses them into an FMA), so the results are identical, not merely close.
/// Layouts (ggml's): a block of 32 (Q4_0 … Q8_0) or 256 values (the K types); 4-bit values hold the first half
/// of a 32-value group in their low nibbles and the second half in their high nibbles.
enum GGMLDequantization {
    /// `count` values of type `type` from `bytes` (exactly `type.rowBytes(count)` bytes, any alignment).
    static func floats(_ bytes: UnsafeRawBufferPointer, type: GGMLType, count: Int) -> [Float] {
        precondition(type.rowBytes(count) == bytes.count, "byte count does not match the values' blocks")
        return [Float](unsafeUninitializedCapacity: count) { out, initialized in
            let blocks = count / type.blockSize
            for b in 0..<blocks {
                let block = UnsafeRawBufferPointer(rebasing: bytes[(b * type.typeSize)..<((b + 1) * type.typeSize)])
                let y = out.baseAddress! + b * type.blockSize
                switch type {
                case .f32: y.pointee = Float(bitPattern: u32(block, 0))
                case .f16: y.pointee = half(block, 0)
                case .bf16: y.pointee = Float(bitPattern: UInt32(u16(block, 0)) << 16)
                case .q4_0: q4_0(block, y)
                case .q4_1: q4_1(block, y)
                case .q5_0: q5_0(block, y)
                case .q5_1: q5_1(block, y)
                case .q8_0: q8_0(block, y)
                case .q4_K: q4_K(block, y)
                case .q5_K: q5_K(block, y)
                case .q6_K: q6_K(block, y)
                }
            }
            initialized = count
        }
    }

    // MARK: 32-value blocks

    /// d · (q − 8), q the 4-bit value.
    static func q4_0(_ b: UnsafeRawBufferPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = half(b, 0)
        for j in 0..<16 {
            let q = b[2 + j]
            y[j] = d * Float(Int8(q & 0x0F) - 8)
            y[j + 16] = d * Float(Int8(q >> 4) - 8)
        }
    }

    /// d · q + m.
    static func q4_1(_ b: UnsafeRawBufferPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = half(b, 0), m = half(b, 2)
        for j in 0..<16 {
            let q = b[4 + j]
            y[j] = d * Float(q & 0x0F) + m
            y[j + 16] = d * Float(q >> 4) + m
        }
    }

    /// d · (q − 16), q the 4-bit value with bit i of the 32-bit high mask as its fifth bit.
    static func q5_0(_ b: UnsafeRawBufferPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = half(b, 0), qh = u32(b, 2)
        for j in 0..<16 {
            let q = b[6 + j]
            let lo = (q & 0x0F) | UInt8((qh >> j) & 1) << 4
            let hi = (q >> 4) | UInt8((qh >> (j + 16)) & 1) << 4
            y[j] = d * Float(Int8(lo) - 16)
            y[j + 16] = d * Float(Int8(hi) - 16)
        }
    }

    /// d · q + m, q with its fifth bit from the high mask.
    static func q5_1(_ b: UnsafeRawBufferPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = half(b, 0), m = half(b, 2), qh = u32(b, 4)
        for j in 0..<16 {
            let q = b[8 + j]
            let lo = (q & 0x0F) | UInt8((qh >> j) & 1) << 4
            let hi = (q >> 4) | UInt8((qh >> (j + 16)) & 1) << 4
            y[j] = d * Float(lo) + m
            y[j + 16] = d * Float(hi) + m
        }
    }

    /// q · d, q a signed byte.
    static func q8_0(_ b: UnsafeRawBufferPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = half(b, 0)
        for j in 0..<32 { y[j] = Float(Int8(bitPattern: b[2 + j])) * d }
    }

    // MARK: 256-value blocks

    /// The 6-bit scale and min of group g (0..<8) of a Q4_K / Q5_K block, from its 12 bytes at `at`.
    static func scaleMin(_ b: UnsafeRawBufferPointer, at: Int, _ g: Int) -> (scale: UInt8, min: UInt8) {
        if g < 4 { return (b[at + g] & 0x3F, b[at + g + 4] & 0x3F) }
        let d = b[at + g - 4], m = b[at + g], md = b[at + g + 4]
        return ((md & 0x0F) | ((d >> 2) & 0x30), (md >> 4) | ((m >> 2) & 0x30))
    }

    /// Eight groups of 32: (d · scale_g) · q − (dmin · min_g).
    static func q4_K(_ b: UnsafeRawBufferPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = half(b, 0), dmin = half(b, 2)
        for g in 0..<8 {
            let (sc, mn) = scaleMin(b, at: 4, g)
            let ds = d * Float(sc), dm = dmin * Float(mn)
            let base = 16 + (g / 2) * 32, shift = UInt8(4 * (g % 2))
            for l in 0..<32 { y[g * 32 + l] = ds * Float((b[base + l] >> shift) & 0x0F) - dm }
        }
    }

    /// As Q4_K, with bit g of high byte l as the fifth bit of value l of group g.
    static func q5_K(_ b: UnsafeRawBufferPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = half(b, 0), dmin = half(b, 2)
        for g in 0..<8 {
            let (sc, mn) = scaleMin(b, at: 4, g)
            let ds = d * Float(sc), dm = dmin * Float(mn)
            let base = 48 + (g / 2) * 32, shift = UInt8(4 * (g % 2))
            for l in 0..<32 {
                let q = ((b[base + l] >> shift) & 0x0F) | (((b[16 + l] >> UInt8(g)) & 1) << 4)
                y[g * 32 + l] = ds * Float(q) - dm
            }
        }
    }

    /// Sixteen groups of 16: (d · scale_s) · (q − 32), q = 4 low bits from `ql` and 2 high bits from `qh`.
    static func q6_K(_ b: UnsafeRawBufferPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = half(b, 208)
        for h in 0..<2 {
            for k in 0..<4 {
                let ql = h * 64 + (k % 2) * 32, qh = 128 + h * 32
                let lowShift = UInt8(4 * (k / 2)), highShift = UInt8(2 * k)
                for l in 0..<32 {
                    let e = h * 128 + k * 32 + l
                    let q = ((b[ql + l] >> lowShift) & 0x0F) | (((b[qh + l] >> highShift) & 0x03) << 4)
                    let scale = Float(Int8(bitPattern: b[192 + e / 16]))
                    y[e] = (d * scale) * Float(Int8(q) - 32)
                }
            }
        }
    }

    // MARK: Little-endian reads at any offset

    static func u16(_ b: UnsafeRawBufferPointer, _ at: Int) -> UInt16 {
        UInt16(b[at]) | UInt16(b[at + 1]) << 8
    }

    static func u32(_ b: UnsafeRawBufferPointer, _ at: Int) -> UInt32 {
        UInt32(b[at]) | UInt32(b[at + 1]) << 8 | UInt32(b[at + 2]) << 16 | UInt32(b[at + 3]) << 24
    }

    static func half(_ b: UnsafeRawBufferPointer, _ at: Int) -> Float {
        ElementDecoding.floatFromHalf(u16(b, at))
    }
}
