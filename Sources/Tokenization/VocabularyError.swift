// Errors raised while building a WordPiece vocabulary.

/// Why a vocabulary could not be built; the loader wraps it with the file name.
public enum VocabularyError: Error, Equatable {
    case empty
    case duplicateToken(String)
    case negativeId(String)
    case missingToken(String)
}
