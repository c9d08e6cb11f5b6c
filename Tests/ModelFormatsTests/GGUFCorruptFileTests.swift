// Hand-built GGUF files, valid and broken in every way the reader checks: each is refused with an error naming
// the file and the key or tensor, and no damaged file (truncated anywhere, bytes flipped) crashes the reader.

import ModelFormats
import Testing

/// Writes GGUF bytes field by field (little-endian).
struct GGUFBytes {
    var bytes: [UInt8] = []

    mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
    mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
    mutating func string(_ s: String) { string(Array(s.utf8)) }
    mutating func string(_ raw: [UInt8]) {
        u64(UInt64(raw.count))
        bytes += raw
    }
    mutating func pad(to alignment: Int) {
        while bytes.count % alignment != 0 { bytes.append(0) }
    }

    /// A tensor table entry.
    struct Tensor {
        var name: String
        var dims: [UInt64]
        var type: UInt32
        var offset: UInt64
    }

    /// A whole file: header, `kv` (key, type, value bytes), tensor table, padding, then `data`.
    static func file(
        magic: UInt32 = 0x4655_4747, version: UInt32 = 3, kv: [(String, UInt32, [UInt8])] = [],
        tensors: [Tensor], data: [UInt8], alignment: Int = 32, tensorCount: UInt64? = nil
    ) -> [UInt8] {
        var b = GGUFBytes()
        b.u32(magic)
        b.u32(version)
        b.u64(tensorCount ?? UInt64(tensors.count))
        b.u64(UInt64(kv.count))
        for (key, type, value) in kv {
            b.string(key)
            b.u32(type)
            b.bytes += value
        }
        for t in tensors {
            b.string(t.name)
            b.u32(UInt32(t.dims.count))
            for d in t.dims { b.u64(d) }
            b.u32(t.type)
            b.u64(t.offset)
        }
        b.pad(to: alignment)
        b.bytes += data
        return b.bytes
    }

    static func le32(_ v: UInt32) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }
}

@Suite("GGUF corrupt files")
struct GGUFCorruptFileTests {
    typealias T = GGUFBytes.Tensor
    /// Two F32 tensors of 8 values, and one Q8_0 row of 32 (34 bytes).
    static let tensors = [
        T(name: "a", dims: [8], type: 0, offset: 0), T(name: "b", dims: [4, 2], type: 0, offset: 32),
        T(name: "q", dims: [32], type: 8, offset: 64),
    ]
    static var data: [UInt8] {
        var d: [UInt8] = []
        for i in 0..<16 { d += GGUFBytes.le32(Float(i).bitPattern) }
        d += [0x00, 0x3C]  // f16 1.0
        d += (0..<32).map { UInt8(bitPattern: Int8($0 - 16)) }
        return d
    }
    static let kv: [(String, UInt32, [UInt8])] = [
        ("general.architecture", 8, [5, 0, 0, 0, 0, 0, 0, 0] + Array("llama".utf8))
    ]

    static func valid() -> [UInt8] { GGUFBytes.file(kv: kv, tensors: tensors, data: data) }

    /// The error's message, or nil when the bytes open.
    static func error(_ bytes: [UInt8]) -> String? {
        do {
            _ = try GGUFFile(bytes: bytes, name: "bad.gguf")
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test func theValidFileOpensAndDecodes() throws {
        let file = try GGUFFile(bytes: Self.valid(), name: "ok.gguf")
        #expect(try file.floats("a") == (0..<8).map(Float.init))
        #expect(try file.tensor("b").shape == [2, 4])
        #expect(try file.floats("q") == (0..<32).map { Float($0 - 16) })
        #expect(file.metadata["general.architecture"]?.string == "llama")
        #expect(throws: ModelFormatsError.missingTensor(path: "ok.gguf", tensor: "z")) { try file.floats("z") }
    }

    @Test(arguments: [
        ("magic", GGUFBytes.file(magic: 0x4655_4748, tensors: [], data: []), "not the magic"),
        (
            "version 1", GGUFBytes.file(version: 1, tensors: [], data: []),
            "version 1; this reader reads versions 2 and 3"
        ),
        ("version 4", GGUFBytes.file(version: 4, tensors: [], data: []), "version 4"),
        ("tensor count", GGUFBytes.file(tensors: [], data: [], tensorCount: 1 << 40), "tensor count is"),
        (
            "unknown value type", GGUFBytes.file(kv: [("k", 13, [0])], tensors: [], data: []),
            "the value of 'k' has unknown value type 13"
        ),
        ("bool", GGUFBytes.file(kv: [("flag", 7, [2])], tensors: [], data: []), "'flag' is a bool stored as 2"),
        (
            "invalid UTF-8",
            GGUFBytes.file(kv: [("s", 8, [2, 0, 0, 0, 0, 0, 0, 0, 0xC3, 0x28])], tensors: [], data: []),
            "the value of 's' is not valid UTF-8"
        ),
        (
            "string length",
            GGUFBytes.file(kv: [("s", 8, [0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0])], tensors: [], data: []),
            "the length of the value of 's' is 4294967295"
        ),
        (
            "array length",
            GGUFBytes.file(
                kv: [("a", 9, GGUFBytes.le32(4) + [0xFF, 0xFF, 0xFF, 0, 0, 0, 0, 0])], tensors: [], data: []),
            "the length of the value of 'a' is 16777215, more than"
        ),
        (
            "duplicate key", GGUFBytes.file(kv: [("k", 0, [1]), ("k", 0, [2])], tensors: [], data: []),
            "'k' appears twice"
        ),
        (
            "alignment", GGUFBytes.file(kv: [("general.alignment", 4, GGUFBytes.le32(24))], tensors: [], data: []),
            "'general.alignment' must be a uint32 power of two"
        ),
    ])
    func headerAndMetadataErrorsSayWhat(_ case_: String, bytes: [UInt8], message: String) {
        let error = Self.error(bytes)
        #expect(error?.contains("bad.gguf: not a valid GGUF file") == true, "\(case_): \(error ?? "opened")")
        #expect(error?.contains(message) == true, "\(case_): \(error ?? "opened")")
    }

    @Test(arguments: [
        ("rank", [T(name: "x", dims: [1, 1, 1, 1, 1], type: 0, offset: 0)], "'x': it has 5 dimensions"),
        ("zero dimension", [T(name: "x", dims: [0], type: 0, offset: 0)], "'x': dimension 0 is 0"),
        ("unknown type", [T(name: "x", dims: [32], type: 9, offset: 0)], "'x': its type 9 is not one this reader"),
        (
            "partial block", [T(name: "x", dims: [33], type: 3, offset: 0)],
            "rows of 33 values are not a whole number of Q4_1"
        ),
        ("misaligned", [T(name: "x", dims: [1], type: 0, offset: 4)], "offset 4 is not a multiple of the alignment 32"),
        (
            "past the end", [T(name: "x", dims: [64], type: 0, offset: 0)],
            "'x': its 256 bytes at offset 0 reach past the end"
        ),
        (
            "overlap", [T(name: "x", dims: [16], type: 0, offset: 0), T(name: "y", dims: [8], type: 0, offset: 32)],
            "tensors 'x' and 'y' have overlapping data ranges"
        ),
        (
            "duplicate name",
            [T(name: "x", dims: [1], type: 0, offset: 0), T(name: "x", dims: [1], type: 0, offset: 32)],
            "tensor name 'x' appears twice"
        ),
    ])
    func tensorErrorsNameTheTensor(_ case_: String, tensors: [T], message: String) {
        let error = Self.error(GGUFBytes.file(tensors: tensors, data: Self.data))
        #expect(error?.hasPrefix("bad.gguf: ") == true, "\(case_): \(error ?? "opened")")
        #expect(error?.contains(message) == true, "\(case_): \(error ?? "opened")")
    }

    @Test func everyTruncationIsRefused() {
        let valid = Self.valid()
        for length in 0..<valid.count {
            #expect(Self.error(Array(valid[..<length])) != nil, "a file cut to \(length) bytes opened")
        }
    }

    /// Random bytes flipped anywhere: the file opens or is refused, and what opens decodes every tensor.
    @Test func flippedBytesNeverCrashTheReader() throws {
        var rng = ThresholdLCG(state: 5)
        let valid = Self.valid()
        for _ in 0..<3000 {
            var bytes = valid
            for _ in 0..<(1 + Int(rng.next() % 4)) {
                bytes[Int(rng.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: rng.next())
            }
            if let file = try? GGUFFile(bytes: bytes, name: "flipped.gguf") {
                for t in file.tensors { _ = try file.floats(t.name) }
            }
        }
    }
}

/// A small deterministic generator.
struct ThresholdLCG {
    var state: UInt64
    mutating func next() -> UInt64 {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return state >> 16
    }
}
