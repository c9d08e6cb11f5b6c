// Percent-decoding of path segments and query strings.

/// `%XX` decoding to UTF-8 text; invalid escapes or bytes that are not UTF-8 give nil.
public enum PercentDecoding {
    /// Decodes `%XX` escapes (and `+` as a space when `plusIsSpace`, as in query strings).
    public static func decode<S: StringProtocol>(_ text: S, plusIsSpace: Bool = false) -> String? {
        var bytes: [UInt8] = []
        var utf8 = Array(text.utf8)[...]
        while let c = utf8.popFirst() {
            if c == 37 {
                guard utf8.count >= 2, let hi = ASCII.hexValue(utf8[utf8.startIndex]),
                    let lo = ASCII.hexValue(utf8[utf8.startIndex + 1])
                else { return nil }
                bytes.append(UInt8(hi * 16 + lo))
                utf8 = utf8.dropFirst(2)
            } else {
                bytes.append(plusIsSpace && c == 43 ? 32 : c)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    /// The `name=value` pairs of a query string, decoded; nil when an escape is invalid.
    public static func query<S: StringProtocol>(_ query: S) -> [String: String]? {
        var result: [String: String] = [:]
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = decode(parts[0], plusIsSpace: true),
                let value = decode(parts.count > 1 ? parts[1] : "", plusIsSpace: true)
            else { return nil }
            if result[name] == nil { result[name] = value }
        }
        return result
    }
}
