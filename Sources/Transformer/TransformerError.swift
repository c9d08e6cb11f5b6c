// Errors raised while loading or running the encoder.

/// Why the encoder could not be loaded or run; each message names the file or input and says what to do.
public enum TransformerError: Error, CustomStringConvertible, Equatable {
    /// The model folder or a required file in it does not exist.
    case missingFile(path: String, hint: String)
    /// `config.json` is not valid JSON or lacks a required key.
    case invalidConfig(path: String, reason: String)
    /// The configuration asks for something this encoder does not implement.
    case unsupported(path: String, what: String)
    /// A tensor the configuration requires is missing from the weights file.
    case missingTensor(path: String, tensor: String)
    /// A tensor has a shape that does not fit the configuration.
    case wrongShape(path: String, tensor: String, expected: [Int], actual: [Int])
    /// A weight holds NaN or infinity.
    case nonFiniteWeight(path: String, tensor: String)
    /// The weights file could not be read (wraps the format error's message).
    case weightsUnreadable(path: String, reason: String)
    /// An input id is outside the vocabulary.
    case tokenOutOfRange(id: Int32, vocabularySize: Int)
    /// An input sequence is longer than the position table.
    case sequenceTooLong(length: Int, maxPositions: Int)
    /// An input sequence is empty.
    case emptySequence(index: Int)
    /// A decoder (Llama) file lacks what its architecture needs, or holds it in the wrong shape.
    case invalidDecoder(path: String, reason: String)

    public var description: String {
        switch self {
        case .missingFile(let path, let hint):
            return "\(path): not found: \(hint)"
        case .invalidConfig(let path, let reason):
            return
                "\(path): invalid model configuration (\(reason)): fetch the model again (make setup) or fix the file"
        case .unsupported(let path, let what):
            return "\(path): \(what) is not supported by moecl's BERT encoder"
        case .missingTensor(let path, let tensor):
            return
                "\(path): tensor '\(tensor)' is missing: the file does not belong to a BERT model with this config.json"
        case .wrongShape(let path, let tensor, let expected, let actual):
            return
                "\(path): tensor '\(tensor)' has shape \(actual) but config.json implies \(expected): "
                + "the weights and config.json do not match"
        case .nonFiniteWeight(let path, let tensor):
            return
                "\(path): tensor '\(tensor)' holds NaN or infinite values: the file is corrupt; "
                + "fetch the model again (make setup)"
        case .weightsUnreadable(let path, let reason):
            return "\(path): cannot read the weights: \(reason)"
        case .tokenOutOfRange(let id, let size):
            return "token id \(id) is outside the vocabulary of \(size): the tokenizer does not belong to this model"
        case .sequenceTooLong(let length, let maxPositions):
            return "a sequence of \(length) tokens exceeds the model's \(maxPositions) positions: truncate the input"
        case .emptySequence(let index):
            return "sequence \(index) is empty: every input needs at least one token"
        case .invalidDecoder(let path, let reason):
            return "\(path): not a Llama-architecture model moecl can run: \(reason)"
        }
    }
}
