// Unit tests of the BERT tokenizer on a small hand-written vocabulary.

import Foundation
import TestSupport
import Testing
import Tokenization

@Suite("BertTokenizer")
struct BertTokenizerTests {
    static let tokens = [
        "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "hello", "world", "un", "##aff", "##able",
        "!", ",", "cafe", "中", "国", "a", "##b", "##c", "$", "e",
    ]

    func tokenizer(maxLength: Int = 16, normalizer: BertNormalizer = BertNormalizer()) throws -> BertTokenizer {
        let vocab = try WordPieceVocabulary(
            entries: Self.tokens.enumerated().map { ($1, Int32($0)) },
            unknownToken: "[UNK]", maxCharactersPerWord: 10)
        return BertTokenizer(
            vocabulary: vocab, normalizer: normalizer, maxLength: maxLength, clsId: 2, sepId: 3,
            padId: 0, addedTokens: [("[MASK]", 4), ("[CLS]", 2)])
    }

    func names(_ ids: [Int32]) -> [String] { ids.map { Self.tokens[Int($0)] } }

    @Test("lower-cases, strips accents, splits punctuation, adds [CLS] and [SEP]")
    func basics() throws {
        let t = try tokenizer()
        #expect(names(t.encode("Hello, WORLD!")) == ["[CLS]", "hello", ",", "world", "!", "[SEP]"])
        #expect(names(t.encode("Café")) == ["[CLS]", "cafe", "[SEP]"])
        #expect(names(t.encode("CAFE\u{301}")) == ["[CLS]", "cafe", "[SEP]"])
    }

    @Test("WordPiece: longest match first, ## continuations, [UNK] for the whole word")
    func wordPiece() throws {
        let t = try tokenizer()
        #expect(names(t.encode("unaffable")) == ["[CLS]", "un", "##aff", "##able", "[SEP]"])
        #expect(names(t.encode("abc")) == ["[CLS]", "a", "##b", "##c", "[SEP]"])
        #expect(names(t.encode("abx hello")) == ["[CLS]", "[UNK]", "hello", "[SEP]"])
        // Longer than maxCharactersPerWord (10) → [UNK] even though the pieces exist.
        #expect(names(t.encode("abcbcbcbcbc")) == ["[CLS]", "[UNK]", "[SEP]"])
    }

    @Test("CJK ideographs become separate words; control characters vanish; odd whitespace splits")
    func cleanup() throws {
        let t = try tokenizer()
        #expect(names(t.encode("中国")) == ["[CLS]", "中", "国", "[SEP]"])
        #expect(
            names(t.encode("hel\u{0}lo\u{200B}\tworld\u{00A0}!\u{FFFD}")) == ["[CLS]", "hello", "world", "!", "[SEP]"])
        #expect(names(t.encode("")) == ["[CLS]", "[SEP]"])
        #expect(names(t.encode("  \n ")) == ["[CLS]", "[SEP]"])
    }

    @Test("ASCII symbols such as $ are punctuation and split words")
    func asciiSymbols() throws {
        #expect(names(try tokenizer().encode("a$a")) == ["[CLS]", "a", "$", "a", "[SEP]"])
    }

    @Test("literal special tokens in raw text map to their ids; case must match")
    func specialTokens() throws {
        let t = try tokenizer()
        #expect(names(t.encode("hello [MASK] world")) == ["[CLS]", "hello", "[MASK]", "world", "[SEP]"])
        #expect(names(t.encode("hello[MASK]")) == ["[CLS]", "hello", "[MASK]", "[SEP]"])
        // Lower-case "[mask]" is plain text: "[" and "]" are not in this vocabulary, "mask" is not either.
        #expect(names(t.encode("[mask]")) == ["[CLS]", "[UNK]", "[UNK]", "[UNK]", "[SEP]"])
    }

    @Test("truncation keeps [SEP] last and never exceeds maxLength")
    func truncation() throws {
        let t = try tokenizer(maxLength: 4)
        #expect(names(t.encode("hello world hello world")) == ["[CLS]", "hello", "world", "[SEP]"])
        #expect(t.encode("hello world hello world", truncate: false).count == 6)
        #expect(names(try tokenizer(maxLength: 2).encode("hello")) == ["[CLS]", "[SEP]"])
    }

    @Test("padded batches: right padding with the pad id and a 0/1 mask")
    func batches() throws {
        let batch = try tokenizer().encodeBatch(["hello", "hello world !", ""])
        #expect(batch.batchSize == 3 && batch.paddedLength == 5)
        #expect(batch.lengths == [3, 5, 2])
        #expect(batch.ids == [2, 5, 3, 0, 0, 2, 5, 6, 10, 3, 2, 3, 0, 0, 0])
        #expect(batch.attentionMask == [1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0])
        #expect(batch.sequence(1) == [2, 5, 6, 10, 3])
    }

    @Test("without lower-casing and accent stripping the text keeps its case")
    func caseSensitive() throws {
        let t = try tokenizer(normalizer: BertNormalizer(stripAccents: false, lowercase: false))
        #expect(names(t.encode("Hello hello")) == ["[CLS]", "[UNK]", "hello", "[SEP]"])
    }

    @Test("vocabulary errors: duplicates and a missing unknown token")
    func vocabularyErrors() {
        #expect(throws: VocabularyError.duplicateToken("a")) {
            try WordPieceVocabulary(entries: [("a", 0), ("a", 1)], unknownToken: "a")
        }
        #expect(throws: VocabularyError.missingToken("[UNK]")) {
            try WordPieceVocabulary(entries: [("a", 0)], unknownToken: "[UNK]")
        }
        #expect(throws: VocabularyError.empty) { try WordPieceVocabulary(entries: [], unknownToken: "[UNK]") }
    }
}
