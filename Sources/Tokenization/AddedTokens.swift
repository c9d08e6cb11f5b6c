// Tokens matched whole in the raw text before pre-tokenizing (special tokens such as <|im_start|>).

/// Finds added tokens in text, leftmost first and, among those starting at the same place, longest first, as
/// Hugging Face `tokenizers` matches its added vocabulary (tokens with `normalized: false`, no strip options).
public struct AddedTokens: Sendable {
    /// (UTF-8 bytes, id), longest first.
    let tokens: [([UInt8], Int32)]

    public init(_ tokens: [String: Int32]) {
        self.tokens = tokens.filter { !$0.key.isEmpty }.map { (Array($0.key.utf8), $0.value) }
            .sorted { $0.0.count != $1.0.count ? $0.0.count > $1.0.count : $0.0.lexicographicallyPrecedes($1.0) }
    }

    public var isEmpty: Bool { tokens.isEmpty }

    /// A segment of text: plain bytes to tokenize, or an added token's id.
    public enum Segment: Equatable {
        case text(ArraySlice<UInt8>)
        case token(Int32)
    }

    /// `utf8` cut at every added token.
    public func segments(_ utf8: [UInt8]) -> [Segment] {
        guard !tokens.isEmpty else { return [.text(utf8[...])] }
        var out: [Segment] = []
        var start = 0, i = 0
        scan: while i < utf8.count {
            for (bytes, id) in tokens where bytes[0] == utf8[i] && i + bytes.count <= utf8.count {
                if utf8[i..<(i + bytes.count)].elementsEqual(bytes) {
                    if start < i { out.append(.text(utf8[start..<i])) }
                    out.append(.token(id))
                    i += bytes.count
                    start = i
                    continue scan
                }
            }
            i += 1
        }
        if start < utf8.count { out.append(.text(utf8[start..<utf8.count])) }
        return out
    }
}
