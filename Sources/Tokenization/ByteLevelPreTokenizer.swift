// The pre-tokenizer of byte-level BPE: GPT-2's split of text into words, numbers, punctuation runs and spaces,
// optionally after splitting off every digit (SmolLM2's tokenizer.json: Digits(individual_digits) first).

/// Splits text into the pieces BPE merges within, as the GPT-2 pattern
/// `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+` does, hand-written over Unicode
/// scalars: letters and numbers by general category (L*, N*), spaces by the White_Space property, contractions
/// lowercase only. A run of spaces before a non-space leaves its last space to prefix the next piece.
public struct ByteLevelPreTokenizer: Sendable, Equatable {
    /// Split off every number character (general category N*) as a piece of its own first.
    public var individualDigits: Bool

    public init(individualDigits: Bool = false) {
        self.individualDigits = individualDigits
    }

    enum Kind: UInt8 { case letter, number, space, other }

    static func kind(_ s: Unicode.Scalar) -> Kind {
        if s.value < 128 {
            switch s.value {
            case 0x41...0x5A, 0x61...0x7A: return .letter
            case 0x30...0x39: return .number
            case 0x09...0x0D, 0x20: return .space
            default: return .other
            }
        }
        switch s.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return .letter
        case .decimalNumber, .letterNumber, .otherNumber: return .number
        default: return s.properties.isWhitespace ? .space : .other
        }
    }

    /// The pieces of `scalars`, as ranges into it, in order; together they cover it.
    public func split(_ scalars: [Unicode.Scalar]) -> [Range<Int>] {
        let kinds = scalars.map(Self.kind)
        var pieces: [Range<Int>] = []
        guard individualDigits else {
            Self.gpt2(scalars, kinds, 0..<scalars.count, into: &pieces)
            return pieces
        }
        var start = 0
        for i in scalars.indices where kinds[i] == .number {
            Self.gpt2(scalars, kinds, start..<i, into: &pieces)
            pieces.append(i..<(i + 1))
            start = i + 1
        }
        Self.gpt2(scalars, kinds, start..<scalars.count, into: &pieces)
        return pieces
    }

    /// The GPT-2 pattern's matches within `range` (matching never looks outside it).
    static func gpt2(
        _ s: [Unicode.Scalar], _ kinds: [Kind], _ range: Range<Int>, into pieces: inout [Range<Int>]
    ) {
        let end = range.upperBound
        var i = range.lowerBound
        func run(_ from: Int, _ kind: Kind) -> Int {
            var j = from
            while j < end, kinds[j] == kind { j += 1 }
            return j
        }
        while i < end {
            // Contractions: 's 't 'm 'd 're 've 'll.
            if s[i] == "'", i + 1 < end {
                let a = s[i + 1]
                if a == "s" || a == "t" || a == "m" || a == "d" {
                    pieces.append(i..<(i + 2))
                    i += 2
                    continue
                }
                if i + 2 < end {
                    let b = s[i + 2]
                    if (a == "r" && b == "e") || (a == "v" && b == "e") || (a == "l" && b == "l") {
                        pieces.append(i..<(i + 3))
                        i += 3
                        continue
                    }
                }
            }
            // An optional space, then a run of letters, of numbers, or of other characters.
            let body = s[i] == " " && i + 1 < end ? i + 1 : i
            if kinds[body] != .space {
                let j = run(body, kinds[body])
                pieces.append(i..<j)
                i = j
                continue
            }
            // Spaces: all of them at the end, else all but the last (which joins the next piece); one alone.
            let j = run(i, .space)
            let stop = j == end || j - i == 1 ? j : j - 1
            pieces.append(i..<stop)
            i = stop
        }
    }
}
