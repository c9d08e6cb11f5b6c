// The tokenizer interface the encoder and the service depend on.

/// Turns text into model input ids.
public protocol Tokenizer: Sendable {
    /// The longest sequence `encode` returns, special tokens included.
    var maxLength: Int { get }
    /// The id used to pad batches.
    var padId: Int32 { get }
    /// Ids of one text with special tokens, truncated to `maxLength`.
    func encode(_ text: String) -> [Int32]
    /// Ids of one text with special tokens, truncated to `maxLength` when `truncate` is true.
    func encode(_ text: String, truncate: Bool) -> [Int32]
}

extension Tokenizer {
    public func encode(_ text: String) -> [Int32] { encode(text, truncate: true) }

    /// Encodes several texts into a right-padded batch with an attention mask.
    public func encodeBatch(_ texts: [String]) -> TokenBatch {
        TokenBatch(sequences: texts.map { encode($0) }, padId: padId)
    }
}
