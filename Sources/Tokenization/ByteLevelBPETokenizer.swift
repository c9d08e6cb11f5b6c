// The tokenizer of GPT-2-style decoders (SmolLM2, Llama 3 …): added tokens, then the byte-level
// pre-tokenizer, then BPE within each piece.

/// Byte-level BPE: added tokens are cut out of the raw text first; the rest is split into pieces
/// (`ByteLevelPreTokenizer`), each piece's UTF-8 bytes are spelled in `ByteLevelAlphabet` and merged by
/// `BPEModel`. No normalizer and no special tokens around the ids (the decoder models moecl reads add no BOS).
public struct ByteLevelBPETokenizer: Tokenizer {
    public let model: BPEModel
    public let preTokenizer: ByteLevelPreTokenizer
    public let added: AddedTokens
    public let maxLength: Int
    public let padId: Int32

    public init(
        model: BPEModel, preTokenizer: ByteLevelPreTokenizer, added: AddedTokens, maxLength: Int, padId: Int32
    ) {
        precondition(maxLength >= 1, "maxLength ≥ 1")
        self.model = model
        self.preTokenizer = preTokenizer
        self.added = added
        self.maxLength = maxLength
        self.padId = padId
    }

    /// Ids of `text`; at most `maxLength` (the first ones) when `truncate`.
    public func encode(_ text: String, truncate: Bool) -> [Int32] {
        var ids: [Int32] = []
        for segment in added.segments(Array(text.utf8)) {
            switch segment {
            case .token(let id): ids.append(id)
            case .text(let bytes):
                let scalars = Array(String(decoding: bytes, as: UTF8.self).unicodeScalars)
                for piece in preTokenizer.split(scalars) {
                    var utf8: [UInt8] = []
                    for s in scalars[piece] { UTF8.encode(s) { utf8.append($0) } }
                    model.encode(utf8, into: &ids)
                }
            }
            if truncate, ids.count >= maxLength { return Array(ids.prefix(maxLength)) }
        }
        return ids
    }
}
