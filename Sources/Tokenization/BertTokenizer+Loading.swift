// Loading a BertTokenizer from a Hugging Face model folder (tokenizer.json, or vocab.txt plus settings).

import Foundation

extension BertTokenizer {
    /// Loads the tokenizer of a BERT model folder.
    ///
    /// Reads `tokenizer.json` when present, otherwise `vocab.txt` with `tokenizer_config.json`. The maximum length is
    /// `maxLength` if given, else sentence-transformers' `max_seq_length` (`sentence_bert_config.json`), else the
    /// model's `max_position_embeddings`, else 512.
    /// - Throws: `TokenizationError` naming the file and what to do.
    public static func load(folder: String, maxLength: Int? = nil) throws -> BertTokenizer {
        let dir = URL(fileURLWithPath: folder)
        let tokenizerJSON = dir.appendingPathComponent("tokenizer.json").path
        let vocabTxt = dir.appendingPathComponent("vocab.txt").path
        let length = maxLength ?? defaultMaxLength(folder: dir)
        if FileManager.default.fileExists(atPath: tokenizerJSON) {
            return try fromTokenizerJSON(path: tokenizerJSON, maxLength: length)
        }
        if FileManager.default.fileExists(atPath: vocabTxt) {
            let config = try? readJSONObject(dir.appendingPathComponent("tokenizer_config.json").path)
            return try fromVocabTxt(path: vocabTxt, settings: config ?? [:], maxLength: length)
        }
        throw TokenizationError.noTokenizerFiles(folder: folder)
    }

    /// The sequence limit sentence-transformers applies, bounded by the model's position table.
    static func defaultMaxLength(folder: URL) -> Int {
        let positions =
            (try? readJSONObject(folder.appendingPathComponent("config.json").path))?[
                "max_position_embeddings"] as? Int
        let sbert =
            (try? readJSONObject(folder.appendingPathComponent("sentence_bert_config.json").path))?[
                "max_seq_length"] as? Int
        let chosen = sbert ?? positions ?? 512
        return max(2, min(chosen, positions ?? chosen))
    }

    static func fromTokenizerJSON(path: String, maxLength: Int) throws -> BertTokenizer {
        let root = try readJSONObject(path)
        guard let model = root["model"] as? [String: Any] else {
            throw TokenizationError.invalidJSON(path: path, reason: "no 'model' object")
        }
        let type = model["type"] as? String ?? "?"
        guard type == "WordPiece" else { throw TokenizationError.unsupportedModel(path: path, type: type) }
        guard let vocab = model["vocab"] as? [String: Any], !vocab.isEmpty else {
            throw TokenizationError.invalidJSON(path: path, reason: "no 'model.vocab' object")
        }
        var entries: [(String, Int32)] = []
        entries.reserveCapacity(vocab.count)
        for (token, value) in vocab {
            guard let id = value as? Int, id >= 0, id < Int(Int32.max) else {
                throw TokenizationError.invalidVocabulary(path: path, reason: "token '\(token)' has id \(value)")
            }
            entries.append((token, Int32(id)))
        }
        let unk = model["unk_token"] as? String ?? "[UNK]"
        let vocabulary = try makeVocabulary(
            path: path, entries: entries, unknownToken: unk,
            prefix: model["continuing_subword_prefix"] as? String ?? "##",
            maxChars: model["max_input_chars_per_word"] as? Int ?? 100)

        var normalizer = BertNormalizer()
        if let n = root["normalizer"] as? [String: Any] {
            guard n["type"] as? String == "BertNormalizer" else {
                throw TokenizationError.unsupportedModel(path: path, type: "normalizer \(n["type"] ?? "?")")
            }
            let lowercase = n["lowercase"] as? Bool ?? true
            normalizer = BertNormalizer(
                cleanText: n["clean_text"] as? Bool ?? true,
                handleChineseChars: n["handle_chinese_chars"] as? Bool ?? true,
                stripAccents: n["strip_accents"] as? Bool ?? lowercase, lowercase: lowercase)
        }
        if let p = root["pre_tokenizer"] as? [String: Any], p["type"] as? String != "BertPreTokenizer" {
            throw TokenizationError.unsupportedModel(path: path, type: "pre_tokenizer \(p["type"] ?? "?")")
        }
        var added: [(String, Int32)] = []
        for item in root["added_tokens"] as? [[String: Any]] ?? [] {
            if let content = item["content"] as? String, let id = item["id"] as? Int {
                added.append((content, Int32(id)))
            }
        }
        let padId = ((root["padding"] as? [String: Any])?["pad_id"] as? Int).map { Int32($0) }
        return try assemble(
            path: path, vocabulary: vocabulary, normalizer: normalizer, maxLength: maxLength,
            padId: padId, added: added)
    }

    static func fromVocabTxt(path: String, settings: [String: Any], maxLength: Int) throws -> BertTokenizer {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TokenizationError.unreadable(path: path, reason: "read failed")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw TokenizationError.invalidVocabulary(path: path, reason: "not UTF-8")
        }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map {
            $0.hasSuffix("\r") ? String($0.dropLast()) : String($0)
        }
        if lines.last == "" { lines.removeLast() }
        let entries = lines.enumerated().map { ($0.element, Int32($0.offset)) }
        let unk = settings["unk_token"] as? String ?? "[UNK]"
        let vocabulary = try makeVocabulary(
            path: path, entries: entries, unknownToken: unk, prefix: "##", maxChars: 100)
        let lowercase = settings["do_lower_case"] as? Bool ?? true
        let normalizer = BertNormalizer(
            cleanText: true, handleChineseChars: settings["tokenize_chinese_chars"] as? Bool ?? true,
            stripAccents: settings["strip_accents"] as? Bool ?? lowercase, lowercase: lowercase)
        let specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"].compactMap { t in
            vocabulary.id(of: t).map { (t, $0) }
        }
        return try assemble(
            path: path, vocabulary: vocabulary, normalizer: normalizer, maxLength: maxLength,
            padId: nil, added: specials)
    }

    private static func assemble(
        path: String, vocabulary: WordPieceVocabulary, normalizer: BertNormalizer,
        maxLength: Int, padId: Int32?, added: [(String, Int32)]
    ) throws -> BertTokenizer {
        guard let cls = vocabulary.id(of: "[CLS]") else {
            throw TokenizationError.missingSpecialToken(path: path, token: "[CLS]")
        }
        guard let sep = vocabulary.id(of: "[SEP]") else {
            throw TokenizationError.missingSpecialToken(path: path, token: "[SEP]")
        }
        let pad = padId ?? vocabulary.id(of: "[PAD]") ?? 0
        return BertTokenizer(
            vocabulary: vocabulary, normalizer: normalizer, maxLength: maxLength, clsId: cls,
            sepId: sep, padId: pad, addedTokens: added)
    }

    private static func makeVocabulary(
        path: String, entries: [(String, Int32)], unknownToken: String, prefix: String,
        maxChars: Int
    ) throws -> WordPieceVocabulary {
        do {
            return try WordPieceVocabulary(
                entries: entries, unknownToken: unknownToken, continuationPrefix: prefix,
                maxCharactersPerWord: maxChars)
        } catch .missingToken(let token) {
            throw TokenizationError.missingSpecialToken(path: path, token: token)
        } catch .duplicateToken(let token) {
            throw TokenizationError.invalidVocabulary(path: path, reason: "duplicate token '\(token)'")
        } catch .negativeId(let token) {
            throw TokenizationError.invalidVocabulary(path: path, reason: "negative id for '\(token)'")
        } catch .empty {
            throw TokenizationError.invalidVocabulary(path: path, reason: "no tokens")
        }
    }

    static func readJSONObject(_ path: String) throws -> [String: Any] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TokenizationError.unreadable(path: path, reason: "missing or unreadable")
        }
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw TokenizationError.invalidJSON(path: path, reason: "not valid JSON")
        }
        guard let dict = object as? [String: Any] else {
            throw TokenizationError.invalidJSON(path: path, reason: "top level is not an object")
        }
        return dict
    }
}
