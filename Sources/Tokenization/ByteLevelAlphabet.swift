// GPT-2's byte-level alphabet: every byte spelled as one printable Unicode character, so that BPE vocabularies
// are strings of those characters.

/// The map from bytes to the characters byte-level BPE vocabularies spell them with: the printable bytes
/// `!`…`~`, `¡`…`¬` and `®`…`ÿ` stand for themselves; the other 68 (controls, space, DEL, NBSP, soft hyphen)
/// take U+0100 onwards, in byte order (GPT-2's `bytes_to_unicode`).
public enum ByteLevelAlphabet {
    /// The character of each byte, indexed by the byte.
    public static let characters: [Unicode.Scalar] = {
        var table = [Unicode.Scalar](repeating: "\0", count: 256)
        var next: UInt32 = 256
        for b in 0..<256 {
            if (33...126).contains(b) || (161...172).contains(b) || (174...255).contains(b) {
                table[b] = Unicode.Scalar(UInt8(b))
            } else {
                table[b] = Unicode.Scalar(next)!
                next += 1
            }
        }
        return table
    }()

    /// The byte each alphabet character stands for.
    public static let bytes: [Unicode.Scalar: UInt8] = {
        var map: [Unicode.Scalar: UInt8] = [:]
        for (b, c) in characters.enumerated() { map[c] = UInt8(b) }
        return map
    }()

    /// `bytes` spelled in the alphabet.
    public static func spell<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
        var s = String.UnicodeScalarView()
        for b in bytes { s.append(characters[Int(b)]) }
        return String(s)
    }

    /// Whether every character of `token` is in the alphabet.
    public static func isSpelled(_ token: String) -> Bool {
        token.unicodeScalars.allSatisfy { bytes[$0] != nil }
    }
}
