// The WordPiece vocabulary and the greedy longest-match-first split of one word into pieces.

/// A WordPiece vocabulary: token strings (as UTF-8 bytes, compared byte for byte) to ids.
public struct WordPieceVocabulary: Sendable {
    /// Token text to id; keys are UTF-8 bytes so that canonically equivalent strings stay distinct.
    private let ids: [[UInt8]: Int32]
    /// Id to token text.
    public let tokens: [String]
    /// Prefix of pieces that continue a word (`##`).
    public let continuationPrefix: [UInt8]
    /// Id emitted for a word that cannot be split.
    public let unknownId: Int32
    /// Words with more scalars than this become the unknown token.
    public let maxCharactersPerWord: Int
    /// The longest vocabulary entry in bytes, bounding the search.
    private let maxPieceBytes: Int

    /// Builds a vocabulary from `(token, id)` pairs.
    public init(
        entries: [(String, Int32)], unknownToken: String, continuationPrefix: String = "##",
        maxCharactersPerWord: Int = 100
    ) throws(VocabularyError) {
        var ids: [[UInt8]: Int32] = [:]
        ids.reserveCapacity(entries.count)
        var maxId: Int32 = -1
        var longest = 0
        for (token, id) in entries {
            let bytes = Array(token.utf8)
            if ids.updateValue(id, forKey: bytes) != nil { throw .duplicateToken(token) }
            if id < 0 { throw .negativeId(token) }
            maxId = max(maxId, id)
            longest = max(longest, bytes.count)
        }
        guard !entries.isEmpty else { throw .empty }
        var tokens = [String](repeating: "", count: Int(maxId) + 1)
        for (token, id) in entries { tokens[Int(id)] = token }
        guard let unk = ids[Array(unknownToken.utf8)] else { throw .missingToken(unknownToken) }
        self.ids = ids
        self.tokens = tokens
        self.continuationPrefix = Array(continuationPrefix.utf8)
        self.unknownId = unk
        self.maxCharactersPerWord = maxCharactersPerWord
        self.maxPieceBytes = longest
    }

    /// The id of an exact token, if present.
    public func id(of token: String) -> Int32? { ids[Array(token.utf8)] }

    /// Number of ids (the largest id + 1).
    public var count: Int { tokens.count }

    /// Appends the pieces of one pre-tokenised word to `out`: greedy longest match, `##` for continuations,
    /// the unknown id for the whole word when any part has no match or the word is too long.
    public func appendPieces(of word: ArraySlice<Unicode.Scalar>, to out: inout [Int32]) {
        if word.count > maxCharactersPerWord {
            out.append(unknownId)
            return
        }
        // UTF-8 of the word, with the byte offset where each scalar starts (plus the end).
        var bytes: [UInt8] = []
        bytes.reserveCapacity(word.count * 2)
        var offsets: [Int] = [0]
        offsets.reserveCapacity(word.count + 1)
        for s in word {
            UTF8.encode(s) { bytes.append($0) }
            offsets.append(bytes.count)
        }
        let mark = out.count
        var key: [UInt8] = []
        key.reserveCapacity(bytes.count + continuationPrefix.count)
        var start = 0
        let n = word.count
        while start < n {
            let prefix = start > 0 ? continuationPrefix.count : 0
            var end = n
            // Skip candidates longer than any vocabulary entry.
            while end > start && offsets[end] - offsets[start] + prefix > maxPieceBytes { end -= 1 }
            var found: Int32? = nil
            while end > start {
                key.removeAll(keepingCapacity: true)
                if start > 0 { key.append(contentsOf: continuationPrefix) }
                key.append(contentsOf: bytes[offsets[start]..<offsets[end]])
                if let id = ids[key] { found = id; break }
                end -= 1
            }
            guard let id = found else {
                out.removeSubrange(mark...)
                out.append(unknownId)
                return
            }
            out.append(id)
            start = end
        }
    }
}
