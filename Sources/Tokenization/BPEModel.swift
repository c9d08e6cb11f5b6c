// Byte-pair encoding: a vocabulary of byte-level strings and ranked merges, applied to one piece at a time.

/// A BPE vocabulary and its merges, over ids.
///
/// A piece is first its bytes, each the id of its one-character token; then, as long as two neighbours have a
/// merge, the pair with the lowest rank (the earliest merge in the file; the leftmost on ties) becomes the
/// merged token, everywhere it occurs left to right. This is the result Hugging Face `tokenizers` gives (no
/// dropout, no byte fallback, no unknown token: a byte without a token is dropped, as there).
public struct BPEModel: Sendable {
    /// Token string → id.
    public let vocabulary: [String: Int32]
    /// The id of each byte's one-character token, or -1 when the vocabulary lacks it.
    let byteIds: [Int32]
    /// (left << 32 | right) → (rank, merged id).
    let merges: [UInt64: (rank: Int32, id: Int32)]

    /// - Parameters:
    ///   - vocabulary: token strings spelled in `ByteLevelAlphabet`, each with a distinct id.
    ///   - merges: pairs in rank order; each side and their concatenation must be in the vocabulary.
    public init(vocabulary: [String: Int32], merges: [(String, String)]) throws(BPEError) {
        self.vocabulary = vocabulary
        byteIds = ByteLevelAlphabet.characters.map { vocabulary[String($0)] ?? -1 }
        var table: [UInt64: (rank: Int32, id: Int32)] = [:]
        table.reserveCapacity(merges.count)
        for (rank, (a, b)) in merges.enumerated() {
            guard let left = vocabulary[a], let right = vocabulary[b] else {
                throw .mergeOutsideVocabulary(rank: rank, merge: "\(a) \(b)", missing: vocabulary[a] == nil ? a : b)
            }
            guard let merged = vocabulary[a + b] else {
                throw .mergeOutsideVocabulary(rank: rank, merge: "\(a) \(b)", missing: a + b)
            }
            let key = UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
            if table[key] == nil { table[key] = (Int32(rank), merged) }
        }
        self.merges = table
    }

    /// The ids of one piece given as UTF-8 bytes, appended to `ids`.
    public func encode(_ bytes: some Sequence<UInt8>, into ids: inout [Int32]) {
        var symbols: [Int32] = []
        for b in bytes where byteIds[Int(b)] >= 0 { symbols.append(byteIds[Int(b)]) }
        while symbols.count > 1 {
            var best: (rank: Int32, id: Int32, left: Int32, right: Int32)?
            for k in 0..<(symbols.count - 1) {
                let key = UInt64(UInt32(bitPattern: symbols[k])) << 32 | UInt64(UInt32(bitPattern: symbols[k + 1]))
                if let m = merges[key], m.rank < best?.rank ?? .max {
                    best = (m.rank, m.id, symbols[k], symbols[k + 1])
                }
            }
            guard let best else { break }
            var merged: [Int32] = []
            merged.reserveCapacity(symbols.count)
            var k = 0
            while k < symbols.count {
                if k + 1 < symbols.count, symbols[k] == best.left, symbols[k + 1] == best.right {
                    merged.append(best.id)
                    k += 2
                } else {
                    merged.append(symbols[k])
                    k += 1
                }
            }
            symbols = merged
        }
        ids += symbols
    }
}

/// Why a BPE vocabulary cannot be used.
public enum BPEError: Error, Equatable, CustomStringConvertible {
    case mergeOutsideVocabulary(rank: Int, merge: String, missing: String)

    public var description: String {
        switch self {
        case .mergeOutsideVocabulary(let rank, let merge, let missing):
            return "merge \(rank) '\(merge)' needs the token '\(missing)', which the vocabulary lacks"
        }
    }
}
