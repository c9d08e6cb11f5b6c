// Errors raised while loading a tokenizer from a model folder.

/// Why a tokenizer could not be loaded; every message names the file and says what to do.
public enum TokenizationError: Error, CustomStringConvertible, Equatable {
    /// Neither `tokenizer.json` nor `vocab.txt` exists in the folder.
    case noTokenizerFiles(folder: String)
    /// A file exists but could not be read.
    case unreadable(path: String, reason: String)
    /// A JSON file is not valid JSON or lacks a required key.
    case invalidJSON(path: String, reason: String)
    /// The tokenizer is not a WordPiece (BERT) tokenizer.
    case unsupportedModel(path: String, type: String)
    /// A required special token is missing from the vocabulary.
    case missingSpecialToken(path: String, token: String)
    /// The vocabulary is empty or has duplicate ids.
    case invalidVocabulary(path: String, reason: String)
    /// A byte-level BPE tokenizer uses a part or an option moecl does not implement.
    case unsupportedBPE(path: String, reason: String)

    public var description: String {
        switch self {
        case .noTokenizerFiles(let folder):
            return
                "\(folder): no tokenizer.json or vocab.txt found: point --model at a BERT model folder "
                + "(run make setup to fetch the default one)"
        case .unreadable(let path, let reason):
            return "\(path): cannot be read (\(reason)): check the path and permissions"
        case .invalidJSON(let path, let reason):
            return
                "\(path): invalid tokenizer file (\(reason)): the file is corrupt; fetch the model again (make setup)"
        case .unsupportedModel(let path, let type):
            return "\(path): tokenizer model '\(type)' is not supported; moecl reads BERT WordPiece and byte-level BPE "
                + "tokenizers"
        case .missingSpecialToken(let path, let token):
            return "\(path): the vocabulary has no '\(token)' token: this is not a BERT vocabulary"
        case .unsupportedBPE(let path, let reason):
            return "\(path): \(reason); moecl reads byte-level BPE with the GPT-2 split (optionally digits first), "
                + "no normalizer, no dropout or byte fallback"
        case .invalidVocabulary(let path, let reason):
            return "\(path): invalid vocabulary (\(reason)): the file is corrupt; fetch the model again (make setup)"
        }
    }
}
