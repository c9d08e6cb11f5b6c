// BERT pre-tokenisation: split normalised text into words on whitespace and around punctuation.

/// Splits text into words the way Hugging Face's `BertPreTokenizer` does: whitespace separates words and is
/// dropped; every punctuation scalar (ASCII punctuation or Unicode P*) becomes a word of its own.
public struct BertPreTokenizer: Sendable {
    public init() {}

    /// Calls `body` with each word, as a slice of `scalars`.
    public func forEachWord(in scalars: [Unicode.Scalar], _ body: (ArraySlice<Unicode.Scalar>) -> Void) {
        var start = -1
        for i in scalars.indices {
            let s = scalars[i]
            if BertNormalizer.isWhitespace(s) {
                if start >= 0 { body(scalars[start..<i]); start = -1 }
            } else if Self.isPunctuation(s) {
                if start >= 0 { body(scalars[start..<i]); start = -1 }
                body(scalars[i..<i + 1])
            } else if start < 0 {
                start = i
            }
        }
        if start >= 0 { body(scalars[start..<scalars.count]) }
    }

    /// ASCII punctuation (including symbols such as `$`, `+`, `<`, `^`, `|`, `~`) or a Unicode P* category.
    @inline(__always)
    static func isPunctuation(_ s: Unicode.Scalar) -> Bool {
        let c = s.value
        if c < 128 {
            return (33...47).contains(c) || (58...64).contains(c) || (91...96).contains(c) || (123...126).contains(c)
        }
        switch s.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
            .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return true
        default:
            return false
        }
    }
}
