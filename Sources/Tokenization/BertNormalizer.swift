// BERT text normalisation: clean-up, CJK spacing, accent stripping and lower-casing, on Unicode scalars.

import Foundation

/// The normalisation step of a BERT tokenizer, matching Hugging Face's `BertNormalizer`.
///
/// Order: remove NUL, U+FFFD and "other" characters (Cc, Cf, Cn, Co, Cs) except tab/CR/LF, map whitespace to
/// a space; surround CJK ideographs with spaces; strip accents (NFD, then drop Mn); lower-case scalar by scalar.
public struct BertNormalizer: Sendable, Equatable {
    public var cleanText: Bool
    public var handleChineseChars: Bool
    public var stripAccents: Bool
    public var lowercase: Bool

    public init(
        cleanText: Bool = true, handleChineseChars: Bool = true, stripAccents: Bool = true,
        lowercase: Bool = true
    ) {
        self.cleanText = cleanText
        self.handleChineseChars = handleChineseChars
        self.stripAccents = stripAccents
        self.lowercase = lowercase
    }

    /// Normalises `text` and returns its scalars.
    public func normalize(_ text: Substring) -> [Unicode.Scalar] {
        var scalars: [Unicode.Scalar] = []
        scalars.reserveCapacity(text.unicodeScalars.count + 8)
        var ascii = true
        for s in text.unicodeScalars {
            if cleanText {
                if s.value == 0 || s.value == 0xFFFD || Self.isControl(s) { continue }
                if Self.isWhitespace(s) {
                    scalars.append(" ")
                    continue
                }
            }
            if handleChineseChars && Self.isChineseChar(s) {
                scalars.append(" ")
                scalars.append(s)
                scalars.append(" ")
                ascii = false
                continue
            }
            if !s.isASCII { ascii = false }
            scalars.append(s)
        }
        if stripAccents && !ascii {
            var view = String.UnicodeScalarView()
            view.append(contentsOf: scalars)
            let decomposed = String(view).decomposedStringWithCanonicalMapping
            scalars = decomposed.unicodeScalars.filter { $0.properties.generalCategory != .nonspacingMark }
        }
        if lowercase {
            if ascii {
                for i in scalars.indices where scalars[i].value >= 65 && scalars[i].value <= 90 {
                    scalars[i] = Unicode.Scalar(scalars[i].value + 32)!
                }
            } else {
                var lowered: [Unicode.Scalar] = []
                lowered.reserveCapacity(scalars.count)
                for s in scalars {
                    if s.isASCII {
                        lowered.append(s.value >= 65 && s.value <= 90 ? Unicode.Scalar(s.value + 32)! : s)
                    } else {
                        lowered.append(contentsOf: s.properties.lowercaseMapping.unicodeScalars)
                    }
                }
                scalars = lowered
            }
        }
        return scalars
    }

    /// Whitespace as BERT sees it: tab, LF, CR and every Unicode White_Space scalar.
    @inline(__always)
    static func isWhitespace(_ s: Unicode.Scalar) -> Bool {
        if s.isASCII { return s == " " || s == "\t" || s == "\n" || s == "\r" || s.value == 0x0B || s.value == 0x0C }
        return s.properties.isWhitespace
    }

    /// "Other" characters (Cc, Cf, Cn, Co, Cs) except tab, LF and CR.
    @inline(__always)
    static func isControl(_ s: Unicode.Scalar) -> Bool {
        if s == "\t" || s == "\n" || s == "\r" { return false }
        if s.isASCII { return s.value < 0x20 || s.value == 0x7F }
        switch s.properties.generalCategory {
        case .control, .format, .unassigned, .privateUse, .surrogate: return true
        default: return false
        }
    }

    /// CJK Unified Ideographs blocks, as defined by the original BERT code.
    @inline(__always)
    static func isChineseChar(_ s: Unicode.Scalar) -> Bool {
        let c = s.value
        return (0x4E00...0x9FFF).contains(c) || (0x3400...0x4DBF).contains(c) || (0x20000...0x2A6DF).contains(c)
            || (0x2A700...0x2B73F).contains(c) || (0x2B740...0x2B81F).contains(c) || (0x2B820...0x2CEAF).contains(c)
            || (0xF900...0xFAFF).contains(c) || (0x2F800...0x2FA1F).contains(c)
    }
}
