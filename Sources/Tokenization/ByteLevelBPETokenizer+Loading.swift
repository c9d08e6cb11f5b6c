// Loading a byte-level BPE tokenizer from a GGUF file's metadata, or from a Hugging Face tokenizer.json.

import Foundation
import ModelFormats

extension ByteLevelBPETokenizer {
    /// Pre-tokenizer names (`tokenizer.ggml.pre`) whose split is not GPT-2's; transformers gives these their own
    /// patterns, which moecl does not implement yet, so they are refused rather than split wrongly.
    static let otherSplits: Set<String> = [
        "llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2", "jina-v5-nano",
        "dbrx", "smaug-bpe", "tekken", "qwen2", "deepseek-r1-qwen", "kormo", "f2llmv2", "megrez", "qwen35",
        "gpt-4o", "llama4", "kanana2", "talkie", "minimax-m2",
    ]

    /// The tokenizer a GGUF file describes (`tokenizer.ggml.model` "gpt2"), as transformers builds it from the
    /// same metadata: tokens (re-spelled in the byte alphabet when a token uses other characters), merges
    /// ("a b" strings, in rank order), control tokens (type 3, spelled in the alphabet) and user-defined ones
    /// (type 4) matched whole, the GPT-2 split. transformers applies that split whatever `tokenizer.ggml.pre`
    /// says unless it knows another pattern for the name (`otherSplits`, refused here); for SmolLM2 ("smollm")
    /// llama.cpp splits digits one by one first, which gives the same ids here since its merges join no digits.
    public static func fromGGUF(_ file: GGUFFile, maxLength: Int) throws -> ByteLevelBPETokenizer {
        let path = file.path
        func strings(_ key: String) throws -> [String] {
            guard let values = file.metadata[key]?.array else {
                throw TokenizationError.invalidVocabulary(path: path, reason: "no string array '\(key)'")
            }
            return try values.map {
                guard let s = $0.string else {
                    throw TokenizationError.invalidVocabulary(path: path, reason: "'\(key)' holds a non-string")
                }
                return s
            }
        }
        let kind = file.metadata["tokenizer.ggml.model"]?.string ?? "?"
        guard kind == "gpt2" else {
            throw TokenizationError.unsupportedBPE(
                path: path, reason: "tokenizer.ggml.model is '\(kind)', not 'gpt2' (byte-level BPE)")
        }
        if let pre = file.metadata["tokenizer.ggml.pre"]?.string, otherSplits.contains(pre) {
            throw TokenizationError.unsupportedBPE(path: path, reason: "pre-tokenizer '\(pre)' has its own split")
        }
        let tokens = try strings("tokenizer.ggml.tokens")
        let types = file.metadata["tokenizer.ggml.token_type"]?.array?.map { $0.int ?? 1 } ?? []
        guard types.isEmpty || types.count == tokens.count else {
            throw TokenizationError.invalidVocabulary(
                path: path, reason: "\(types.count) token types for \(tokens.count) tokens")
        }
        var vocabulary: [String: Int32] = [:]
        vocabulary.reserveCapacity(tokens.count)
        for (i, token) in tokens.enumerated() {
            let spelled = ByteLevelAlphabet.isSpelled(token) ? token : ByteLevelAlphabet.spell(token.utf8)
            if vocabulary[spelled] == nil { vocabulary[spelled] = Int32(i) }
        }
        var merges: [(String, String)] = []
        for (rank, merge) in try strings("tokenizer.ggml.merges").enumerated() {
            let parts = merge.split(separator: " ", omittingEmptySubsequences: false)
            guard parts.count == 2 else {
                throw TokenizationError.invalidVocabulary(path: path, reason: "merge \(rank) '\(merge)' is not 'a b'")
            }
            merges.append((String(parts[0]), String(parts[1])))
        }
        var added: [String: Int32] = [:]
        for (i, type) in types.enumerated() {
            if type == 3 && ByteLevelAlphabet.isSpelled(tokens[i]) { added[tokens[i]] = Int32(i) }
            if type == 4, let id = vocabulary[tokens[i]] { added[tokens[i]] = id }
        }
        let model: BPEModel
        do { model = try BPEModel(vocabulary: vocabulary, merges: merges) } catch {
            throw TokenizationError.invalidVocabulary(path: path, reason: error.description)
        }
        let pad =
            file.metadata["tokenizer.ggml.padding_token_id"]?.int ?? file.metadata["tokenizer.ggml.eos_token_id"]?.int
            ?? 0
        return ByteLevelBPETokenizer(
            model: model, preTokenizer: ByteLevelPreTokenizer(), added: AddedTokens(added), maxLength: maxLength,
            padId: Int32(pad))
    }

    /// A Hugging Face `tokenizer.json` with a BPE model over the byte alphabet: merges as ["a", "b"] pairs or
    /// "a b" strings; pre-tokenizer ByteLevel (use_regex, no prefix space), optionally after
    /// Digits(individual_digits); no normalizer; added tokens matched whole; a post-processor adding nothing.
    public static func fromTokenizerJSON(path: String, maxLength: Int) throws -> ByteLevelBPETokenizer {
        let root = try BertTokenizer.readJSONObject(path)
        func unsupported(_ reason: String) -> TokenizationError { .unsupportedBPE(path: path, reason: reason) }
        guard let model = root["model"] as? [String: Any] else {
            throw TokenizationError.invalidJSON(path: path, reason: "no 'model' object")
        }
        let type = model["type"] as? String ?? "?"
        guard type == "BPE" else { throw TokenizationError.unsupportedModel(path: path, type: type) }
        for key in ["dropout", "unk_token"] where !(model[key] == nil || model[key] is NSNull) {
            throw unsupported("model.\(key) is set")
        }
        for key in ["continuing_subword_prefix", "end_of_word_suffix"] {
            if let s = model[key] as? String, !s.isEmpty { throw unsupported("model.\(key) is '\(s)'") }
        }
        if model["byte_fallback"] as? Bool == true { throw unsupported("model.byte_fallback is on") }
        if model["ignore_merges"] as? Bool == true { throw unsupported("model.ignore_merges is on") }
        if let n = root["normalizer"], !(n is NSNull) { throw unsupported("it has a normalizer") }
        let preTokenizer = try Self.preTokenizer(root["pre_tokenizer"], unsupported: unsupported)
        if let post = root["post_processor"] as? [String: Any] {
            let kind = post["type"] as? String
            let addsNothing =
                kind == "ByteLevel"
                || (kind == "TemplateProcessing" && (post["single"] as? [Any])?.count == 1
                    && ((post["single"] as? [[String: Any]])?.first?["Sequence"] != nil))
            guard addsNothing else { throw unsupported("its post-processor adds tokens") }
        }
        guard let vocab = model["vocab"] as? [String: Any], !vocab.isEmpty else {
            throw TokenizationError.invalidJSON(path: path, reason: "no 'model.vocab' object")
        }
        var vocabulary: [String: Int32] = [:]
        for (token, value) in vocab {
            guard let id = value as? Int, id >= 0, id < Int(Int32.max) else {
                throw TokenizationError.invalidVocabulary(path: path, reason: "token '\(token)' has id \(value)")
            }
            vocabulary[token] = Int32(id)
        }
        var merges: [(String, String)] = []
        for (rank, merge) in (model["merges"] as? [Any] ?? []).enumerated() {
            if let pair = merge as? [String], pair.count == 2 {
                merges.append((pair[0], pair[1]))
            } else if let text = merge as? String, case let parts = text.split(separator: " "), parts.count == 2 {
                merges.append((String(parts[0]), String(parts[1])))
            } else {
                throw TokenizationError.invalidVocabulary(path: path, reason: "merge \(rank) is not a pair")
            }
        }
        var added: [String: Int32] = [:]
        for item in root["added_tokens"] as? [[String: Any]] ?? [] {
            guard let content = item["content"] as? String, let id = item["id"] as? Int else { continue }
            if item["lstrip"] as? Bool == true || item["rstrip"] as? Bool == true
                || item["single_word"] as? Bool == true
            {
                throw unsupported("added token '\(content)' has strip or single-word options")
            }
            added[content] = Int32(id)
        }
        let bpe: BPEModel
        do { bpe = try BPEModel(vocabulary: vocabulary, merges: merges) } catch {
            throw TokenizationError.invalidVocabulary(path: path, reason: error.description)
        }
        let pad = added["<|endoftext|>"] ?? added.values.min() ?? 0
        return ByteLevelBPETokenizer(
            model: bpe, preTokenizer: preTokenizer, added: AddedTokens(added), maxLength: maxLength, padId: pad)
    }

    /// ByteLevel(use_regex, no prefix space), alone or after Digits(individual_digits).
    static func preTokenizer(
        _ value: Any?, unsupported: (String) -> TokenizationError
    ) throws -> ByteLevelPreTokenizer {
        func byteLevel(_ p: [String: Any]) -> Bool {
            p["type"] as? String == "ByteLevel" && p["add_prefix_space"] as? Bool != true
                && p["use_regex"] as? Bool != false
        }
        guard let p = value as? [String: Any] else { throw unsupported("it has no pre-tokenizer") }
        if byteLevel(p) { return ByteLevelPreTokenizer() }
        if p["type"] as? String == "Sequence", let list = p["pretokenizers"] as? [[String: Any]], list.count == 2,
            list[0]["type"] as? String == "Digits", list[0]["individual_digits"] as? Bool == true, byteLevel(list[1])
        {
            return ByteLevelPreTokenizer(individualDigits: true)
        }
        throw unsupported("pre-tokenizer \(p["type"] ?? "?") is not ByteLevel or Digits then ByteLevel")
    }
}
