// A piece of a text, located by Unicode code point offsets (the unit the API counts characters in).

/// Code points `start ..< end` of a text, and their text.
public struct TextSpan: Sendable, Equatable, Codable {
    public let start: Int
    public let end: Int
    public let text: String

    public init(start: Int, end: Int, text: String) {
        precondition(0 <= start && start <= end, "0 ≤ start ≤ end")
        self.start = start
        self.end = end
        self.text = text
    }

    /// The words of `text`: maximal runs of code points that are not white space, in order.
    public static func words(in text: String) -> [TextSpan] {
        var spans: [TextSpan] = [], current = "", start = 0, offset = 0
        for scalar in text.unicodeScalars {
            if scalar.properties.isWhitespace {
                if !current.isEmpty { spans.append(TextSpan(start: start, end: offset, text: current)) }
                current = ""
            } else {
                if current.isEmpty { start = offset }
                current.unicodeScalars.append(scalar)
            }
            offset += 1
        }
        if !current.isEmpty { spans.append(TextSpan(start: start, end: offset, text: current)) }
        return spans
    }
}
