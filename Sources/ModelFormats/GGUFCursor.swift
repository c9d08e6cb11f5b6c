// Bounds-checked little-endian reads through the header of a GGUF file; every failure names what was being read.

/// A read position in a GGUF file's bytes. Each read checks that the bytes exist, so no malformed file can make
/// the parser read outside them; the errors say what was being read and at which byte.
struct GGUFCursor {
    let bytes: UnsafeRawBufferPointer
    let path: String
    private(set) var offset = 0

    /// Longest string accepted (16 MiB): longer lengths mean a corrupt file.
    static let maxStringBytes = 1 << 24
    /// Deepest nesting of arrays accepted.
    static let maxArrayDepth = 4

    init(bytes: UnsafeRawBufferPointer, path: String) {
        self.bytes = bytes
        self.path = path
    }

    func failure(_ reason: String) -> ModelFormatsError {
        .invalidGGUF(path: path, reason: reason)
    }

    private mutating func take(_ count: Int, _ what: String) throws -> UnsafeRawBufferPointer {
        guard count >= 0, count <= bytes.count - offset else {
            throw failure("the file ends inside \(what) at byte \(offset) (file size \(bytes.count))")
        }
        defer { offset += count }
        return UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + count)])
    }

    mutating func u8(_ what: String) throws -> UInt8 { try take(1, what)[0] }

    mutating func u16(_ what: String) throws -> UInt16 {
        UInt16(littleEndian: try take(2, what).loadUnaligned(as: UInt16.self))
    }

    mutating func u32(_ what: String) throws -> UInt32 {
        UInt32(littleEndian: try take(4, what).loadUnaligned(as: UInt32.self))
    }

    mutating func u64(_ what: String) throws -> UInt64 {
        UInt64(littleEndian: try take(8, what).loadUnaligned(as: UInt64.self))
    }

    /// A count or size stored as uint64, at most `limit`.
    mutating func count(_ what: String, limit: Int) throws -> Int {
        let value = try u64(what)
        guard value <= UInt64(limit) else { throw failure("\(what) is \(value), more than the \(limit) allowed") }
        return Int(value)
    }

    /// A GGUF string: uint64 length, then that many bytes of UTF-8.
    mutating func string(_ what: String) throws -> String {
        let length = try count("the length of \(what)", limit: Self.maxStringBytes)
        let raw = try take(length, what)
        guard let text = String(validating: raw, as: UTF8.self) else {
            throw failure("\(what) is not valid UTF-8")
        }
        return text
    }

    /// Bytes an element of value type `type` takes at least (to bound array counts by the bytes left).
    static func minimumSize(_ type: UInt32) -> Int? {
        switch type {
        case 0, 1, 7: return 1
        case 2, 3: return 2
        case 4, 5, 6: return 4
        case 8, 10, 11, 12: return 8
        case 9: return 12
        default: return nil
        }
    }

    /// A metadata value of type id `type` (0 to 12).
    mutating func value(type: UInt32, what: String, depth: Int = 0) throws -> GGUFValue {
        switch type {
        case 0: return .uint8(try u8(what))
        case 1: return .int8(Int8(bitPattern: try u8(what)))
        case 2: return .uint16(try u16(what))
        case 3: return .int16(Int16(bitPattern: try u16(what)))
        case 4: return .uint32(try u32(what))
        case 5: return .int32(Int32(bitPattern: try u32(what)))
        case 6: return .float32(Float(bitPattern: try u32(what)))
        case 7:
            let b = try u8(what)
            guard b <= 1 else { throw failure("\(what) is a bool stored as \(b), not 0 or 1") }
            return .bool(b == 1)
        case 8: return .string(try string(what))
        case 9:
            guard depth < Self.maxArrayDepth else {
                throw failure("\(what) nests arrays deeper than \(Self.maxArrayDepth)")
            }
            let elementType = try u32("the element type of \(what)")
            guard let size = Self.minimumSize(elementType) else {
                throw failure("\(what) is an array of unknown value type \(elementType) (known: 0 to 12)")
            }
            let count = try self.count("the length of \(what)", limit: (bytes.count - offset) / size)
            var elements: [GGUFValue] = []
            elements.reserveCapacity(count)
            for i in 0..<count {
                elements.append(try value(type: elementType, what: "element \(i) of \(what)", depth: depth + 1))
            }
            return .array(elements)
        case 10: return .uint64(try u64(what))
        case 11: return .int64(Int64(bitPattern: try u64(what)))
        case 12: return .float64(Double(bitPattern: try u64(what)))
        default: throw failure("\(what) has unknown value type \(type) (known: 0 to 12)")
        }
    }
}
