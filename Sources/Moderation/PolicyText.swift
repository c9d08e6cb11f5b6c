// A text as policy lists see it: compatibility-normalised, case- and accent-folded, look-alikes mapped to one
// letter, invisible format characters dropped; each kept character remembers where it came from.

import Foundation

/// The normalised form of a text. `units` are its letters and digits, each with the code point offset it came
/// from and whether a separator (anything not a letter or digit) or the start of the text precedes it. `folded`
/// is the whole normalised text with its separators, for patterns, with the origin of every UTF-16 unit.
public struct PolicyText: Sendable {
    public struct Unit: Sendable, Equatable {
        public let scalar: Unicode.Scalar
        /// Code point offset in the original text.
        public let origin: Int
        /// A separator or the text's start comes before it.
        public let startsWord: Bool
    }

    public let units: [Unit]
    public let folded: String
    /// Per UTF-16 unit of `folded`, the code point offset in the original text it came from.
    let foldedOrigins: [Int]
    /// The original text's length in code points.
    public let length: Int

    public init(_ text: String) {
        var units: [Unit] = [], folded = "", origins: [Int] = [], offset = 0, separated = true
        let scalars = Array(text.unicodeScalars)
        for (index, scalar) in scalars.enumerated() {
            // A symbol stands for a letter only inside a word ("$ex", "h!gh"); "free!" keeps its "!".
            let symbolStandsIn =
                index + 1 < scalars.count
                && (scalars[index + 1].properties.isAlphabetic || scalars[index + 1].properties.numericType != nil)
            let mappedScalars =
                Self.symbols.contains(scalar) && !symbolStandsIn ? [scalar] : Self.normalise(scalar)
            for mapped in mappedScalars {
                let isWordCharacter = mapped.properties.isAlphabetic || mapped.properties.numericType != nil
                if isWordCharacter {
                    units.append(Unit(scalar: mapped, origin: offset, startsWord: separated))
                    separated = false
                } else {
                    separated = true
                }
                folded.unicodeScalars.append(mapped)
                origins.append(contentsOf: repeatElement(offset, count: mapped.utf16.count))
            }
            offset += 1
        }
        self.units = units
        self.folded = folded
        foldedOrigins = origins
        length = offset
    }

    /// The original code point range of `folded`'s UTF-16 range `range`.
    func originalRange(ofFolded range: NSRange) -> Range<Int> {
        guard range.length > 0, range.location < foldedOrigins.count else { return 0..<0 }
        let last = min(range.location + range.length, foldedOrigins.count) - 1
        return foldedOrigins[range.location]..<(foldedOrigins[last] + 1)
    }

    /// The scalars one original scalar becomes: NFKC, case and accents folded, combining marks and invisible
    /// format characters dropped, look-alikes (other scripts' letters, leetspeak digits and symbols) mapped.
    static func normalise(_ scalar: Unicode.Scalar) -> [Unicode.Scalar] {
        if scalar.isASCII {
            let lowered = scalar.properties.isUppercase ? Unicode.Scalar(scalar.value + 32)! : scalar
            return [lookAlikes[lowered] ?? lowered]
        }
        let category = scalar.properties.generalCategory
        if category == .nonspacingMark || category == .enclosingMark || category == .format { return [] }
        let folded = String(scalar).precomposedStringWithCompatibilityMapping
            .folding(options: [.caseInsensitive, .diacriticInsensitive, .widthInsensitive], locale: nil)
        return folded.unicodeScalars.compactMap { s in
            let c = s.properties.generalCategory
            if c == .nonspacingMark || c == .enclosingMark || c == .format { return nil }
            return lookAlikes[s] ?? s
        }
    }

    /// The look-alikes that are symbols: letters only when a letter or digit follows.
    static let symbols: Set<Unicode.Scalar> = ["@", "$", "!", "|"]

    /// Characters that stand in for Latin letters: Cyrillic and Greek look-alikes, leetspeak digits and symbols.
    /// 1, l, i, ! and | all become i (so "k1ll" and "kill" meet).
    static let lookAlikes: [Unicode.Scalar: Unicode.Scalar] = {
        let pairs: [(String, String)] = [
            ("а", "a"), ("е", "e"), ("о", "o"), ("р", "p"), ("с", "c"), ("у", "y"), ("х", "x"), ("і", "i"),
            ("ј", "j"), ("ѕ", "s"), ("к", "k"), ("м", "m"), ("т", "t"), ("в", "b"), ("н", "h"), ("ԁ", "d"),
            ("ɡ", "g"), ("α", "a"), ("ο", "o"), ("ε", "e"), ("ι", "i"), ("κ", "k"), ("ν", "v"), ("ρ", "p"),
            ("τ", "t"), ("υ", "u"), ("χ", "x"), ("0", "o"), ("1", "i"), ("3", "e"), ("4", "a"), ("5", "s"),
            ("7", "t"), ("8", "b"), ("@", "a"), ("$", "s"), ("!", "i"), ("|", "i"), ("l", "i"),
        ]
        var table: [Unicode.Scalar: Unicode.Scalar] = [:]
        for (from, to) in pairs { table[from.unicodeScalars.first!] = to.unicodeScalars.first! }
        return table
    }()
}
