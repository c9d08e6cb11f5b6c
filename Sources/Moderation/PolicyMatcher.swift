// A task's policy list compiled for matching: the first entry (in list order) that a text contains decides.

import Foundation

/// Where and by which entry a text matched.
public struct PolicyHit: Sendable, Equatable {
    /// Position of the entry in the list.
    public let index: Int
    public let entry: PolicyEntry
    /// Code points of the original text that matched.
    public let range: Range<Int>
}

/// Why a list cannot be compiled (the API answers 422 with it).
public struct PolicyListError: Error, CustomStringConvertible, Equatable {
    public let description: String
}

/// Entries compiled once: terms as scalar sequences of their normalised letters and digits, patterns as regular
/// expressions. `firstHit` tries the entries in order, so the list's order is its precedence (put an allow entry
/// before the block entry it excuses).
public struct PolicyMatcher: Sendable {
    public static let maxEntries = 1000
    public static let maxValueLength = 200

    public let entries: [PolicyEntry]
    private let compiled: [Compiled]

    private enum Compiled: @unchecked Sendable {  // NSRegularExpression is immutable and thread-safe
        case term([Unicode.Scalar])
        case pattern(NSRegularExpression)
    }

    /// - Throws: `PolicyListError` for too many entries, an empty or too long value, a term without letters or
    ///   digits, or a pattern that does not compile.
    public init(entries: [PolicyEntry]) throws(PolicyListError) {
        guard entries.count <= Self.maxEntries else {
            throw PolicyListError(description: "a policy list holds at most \(Self.maxEntries) entries")
        }
        var compiled: [Compiled] = []
        for (i, entry) in entries.enumerated() {
            guard !entry.value.isEmpty, entry.value.unicodeScalars.count <= Self.maxValueLength else {
                throw PolicyListError(
                    description: "entry \(i): 'value' must have 1 to \(Self.maxValueLength) characters")
            }
            switch entry.match {
            case .term:
                let letters = PolicyText(entry.value).units.map(\.scalar)
                guard !letters.isEmpty else {
                    throw PolicyListError(description: "entry \(i): the term '\(entry.value)' has no letter or digit")
                }
                compiled.append(.term(letters))
            case .pattern:
                do {
                    compiled.append(.pattern(try NSRegularExpression(pattern: entry.value)))
                } catch {
                    throw PolicyListError(
                        description: "entry \(i): '\(entry.value)' is not a regular expression (ICU syntax)")
                }
            }
        }
        self.entries = entries
        self.compiled = compiled
    }

    /// The first entry the text contains, or nil.
    public func firstHit(in text: PolicyText) -> PolicyHit? {
        for (i, form) in compiled.enumerated() {
            switch form {
            case .term(let letters):
                if let range = Self.find(letters, in: text.units) {
                    return PolicyHit(index: i, entry: entries[i], range: range)
                }
            case .pattern(let expression):
                let whole = NSRange(text.folded.startIndex..., in: text.folded)
                if let match = expression.firstMatch(in: text.folded, range: whole), match.range.length > 0 {
                    return PolicyHit(index: i, entry: entries[i], range: text.originalRange(ofFolded: match.range))
                }
            }
        }
        return nil
    }

    /// The first run of units spelling `letters` that starts and ends on word boundaries (separators between
    /// its units are allowed); its original code point range.
    static func find(_ letters: [Unicode.Scalar], in units: [PolicyText.Unit]) -> Range<Int>? {
        let m = letters.count
        guard m <= units.count else { return nil }
        for i in 0...(units.count - m) where units[i].startsWord && units[i].scalar == letters[0] {
            var k = 1
            while k < m && units[i + k].scalar == letters[k] { k += 1 }
            guard k == m, i + m == units.count || units[i + m].startsWord else { continue }
            return units[i].origin..<(units[i + m - 1].origin + 1)
        }
        return nil
    }
}
