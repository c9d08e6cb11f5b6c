// The BERT WordPiece tokenizer: special tokens, normalisation, pre-tokenisation, WordPiece and truncation.

/// A BERT uncased WordPiece tokenizer whose ids equal Hugging Face `tokenizers` for the same configuration.
///
/// `encode` output: `[CLS] pieces... [SEP]`, truncated to `maxLength` ids (pieces are cut from the end).
public struct BertTokenizer: Tokenizer {
    public let vocabulary: WordPieceVocabulary
    public let normalizer: BertNormalizer
    public let maxLength: Int
    public let clsId: Int32
    public let sepId: Int32
    public let padId: Int32
    /// Special tokens matched verbatim in the raw text before normalisation (e.g. `[MASK]`), longest first.
    private let addedTokens: [(scalars: [Unicode.Scalar], id: Int32)]
    private let preTokenizer = BertPreTokenizer()

    /// Creates a tokenizer from its parts.
    /// - Parameters:
    ///   - addedTokens: literal special tokens recognised in raw text, with their ids.
    ///   - maxLength: the most ids `encode` returns (special tokens included); at least 2.
    public init(
        vocabulary: WordPieceVocabulary, normalizer: BertNormalizer, maxLength: Int,
        clsId: Int32, sepId: Int32, padId: Int32, addedTokens: [(String, Int32)]
    ) {
        precondition(maxLength >= 2, "maxLength must leave room for [CLS] and [SEP]")
        self.vocabulary = vocabulary
        self.normalizer = normalizer
        self.maxLength = maxLength
        self.clsId = clsId
        self.sepId = sepId
        self.padId = padId
        self.addedTokens =
            addedTokens
            .filter { !$0.0.isEmpty }
            .map { (Array($0.0.unicodeScalars), $0.1) }
            .sorted { $0.scalars.count > $1.scalars.count }
    }

    /// The same tokenizer with another maximum length.
    public func withMaxLength(_ maxLength: Int) -> BertTokenizer {
        BertTokenizer(
            vocabulary: vocabulary, normalizer: normalizer, maxLength: maxLength, clsId: clsId,
            sepId: sepId, padId: padId,
            addedTokens: addedTokens.map { (String(String.UnicodeScalarView($0.scalars)), $0.id) })
    }

    public func encode(_ text: String, truncate: Bool) -> [Int32] {
        var ids: [Int32] = [clsId]
        ids.reserveCapacity(text.utf8.count / 3 + 4)
        forEachSegment(of: text) { segment, specialId in
            if let specialId {
                ids.append(specialId)
            } else {
                let scalars = normalizer.normalize(segment)
                preTokenizer.forEachWord(in: scalars) { word in
                    vocabulary.appendPieces(of: word, to: &ids)
                }
            }
        }
        if truncate && ids.count + 1 > maxLength {
            ids.removeSubrange((maxLength - 1)...)
        }
        ids.append(sepId)
        return ids
    }

    /// Splits raw text around literal special tokens; `body` gets either plain text or a special token's id.
    private func forEachSegment(of text: String, _ body: (Substring, Int32?) -> Void) {
        guard !addedTokens.isEmpty,
            text.utf8.contains(UInt8(ascii: "["))
                || addedTokens.contains(where: {
                    $0.scalars.first.map { !$0.isASCII } ?? false
                })
        else {
            body(text[...], nil)
            return
        }
        let scalars = text.unicodeScalars
        var segmentStart = scalars.startIndex
        var i = scalars.startIndex
        outer: while i < scalars.endIndex {
            for token in addedTokens where scalars[i] == token.scalars[0] {
                var j = i
                var matched = true
                for s in token.scalars {
                    if j == scalars.endIndex || scalars[j] != s { matched = false; break }
                    j = scalars.index(after: j)
                }
                if matched {
                    if segmentStart < i { body(Substring(text.unicodeScalars[segmentStart..<i]), nil) }
                    body("", token.id)
                    i = j
                    segmentStart = j
                    continue outer
                }
            }
            i = scalars.index(after: i)
        }
        if segmentStart < scalars.endIndex { body(Substring(text.unicodeScalars[segmentStart...]), nil) }
    }
}
