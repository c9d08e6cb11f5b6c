// Loading tokenizers from model folders: tokenizer.json, vocab.txt fallback, and clear errors.

import Foundation
import TestSupport
import Testing
import Tokenization

@Suite("Tokenizer loading")
struct TokenizerLoadingTests {
    @Test("a folder with neither tokenizer.json nor vocab.txt is refused with advice")
    func noFiles() {
        let folder = TestPaths.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(throws: TokenizationError.noTokenizerFiles(folder: folder.path)) {
            try BertTokenizer.load(folder: folder.path)
        }
    }

    @Test("a corrupt tokenizer.json names the file")
    func corruptJSON() throws {
        let folder = TestPaths.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("tokenizer.json")
        try Data("{\"model\": {\"type\": \"WordPiece\", \"vocab\": ".utf8).write(to: path)
        #expect(throws: TokenizationError.invalidJSON(path: path.path, reason: "not valid JSON")) {
            try BertTokenizer.load(folder: folder.path)
        }
        try Data("{\"model\": {\"type\": \"BPE\", \"vocab\": {}}}".utf8).write(to: path)
        #expect(throws: TokenizationError.unsupportedModel(path: path.path, type: "BPE")) {
            try BertTokenizer.load(folder: folder.path)
        }
    }

    @Test("vocab.txt without [CLS] is refused")
    func vocabWithoutSpecials() throws {
        let folder = TestPaths.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try "[PAD]\n[UNK]\nhello\n".write(
            to: folder.appendingPathComponent("vocab.txt"), atomically: true, encoding: .utf8)
        #expect(
            throws: TokenizationError.missingSpecialToken(
                path: folder.appendingPathComponent("vocab.txt").path, token: "[CLS]")
        ) {
            try BertTokenizer.load(folder: folder.path)
        }
    }

    @Test(
        "vocab.txt + tokenizer_config.json gives the same ids as tokenizer.json on the committed samples",
        .enabled(if: TestPaths.baseModel != nil, "base model not fetched: run make setup"))
    func vocabTxtMatchesTokenizerJSON() throws {
        let model = try #require(TestPaths.baseModel)
        let folder = TestPaths.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        for name in ["vocab.txt", "tokenizer_config.json", "config.json", "sentence_bert_config.json"] {
            try FileManager.default.copyItem(
                at: model.appendingPathComponent(name), to: folder.appendingPathComponent(name))
        }
        let fromJSON = try BertTokenizer.load(folder: model.path)
        let fromVocab = try BertTokenizer.load(folder: folder.path)
        #expect(fromVocab.maxLength == 256 && fromJSON.maxLength == 256)
        let samples = try TestPaths.jsonLines(TestPaths.fixtures.appendingPathComponent("tokenizer/samples.jsonl"))
        for sample in samples {
            let text = try #require(sample["text"] as? String)
            #expect(fromVocab.encode(text) == fromJSON.encode(text))
        }
    }
}
