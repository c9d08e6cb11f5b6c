// Explanations by occlusion: how much the top label's score falls when one span of the text is left out.

/// The method: the text is cut into spans (its words, merged into at most `maxSpans` runs of neighbouring words
/// when it has more), each span is removed in turn (the words on either side joined by one space), and every
/// variant is scored by the same expert. A span's attribution is the top label's probability on the whole text
/// minus its probability without the span: positive where the span supports the label, negative where it speaks
/// against it. Cost: one extra sequence per span, scored in the same batch as the text.
public enum Occlusion {
    /// The spans of `text`: its words, or when it has more than `maxSpans`, runs of ⌈words / maxSpans⌉
    /// neighbouring words (the last run may be shorter). Empty for a text without words.
    public static func spans(of text: String, maxSpans: Int) -> [TextSpan] {
        precondition(maxSpans >= 1, "at least one span")
        let words = TextSpan.words(in: text)
        guard words.count > maxSpans else { return words }
        let per = (words.count + maxSpans - 1) / maxSpans
        let scalars = Array(text.unicodeScalars)
        return stride(from: 0, to: words.count, by: per).map { first in
            let last = min(first + per, words.count) - 1
            let start = words[first].start, end = words[last].end
            var piece = ""
            piece.unicodeScalars.append(contentsOf: scalars[start..<end])
            return TextSpan(start: start, end: end, text: piece)
        }
    }

    /// `text` without every span of `spans` (non-overlapping, any order), each gap closed as `removing` does.
    public static func removing(_ spans: [TextSpan], from text: String) -> String {
        var out = text, offset = 0
        for span in spans.sorted(by: { $0.start < $1.start }) {
            let before = out.unicodeScalars.count
            out = removing(TextSpan(start: span.start - offset, end: span.end - offset, text: span.text), from: out)
            offset += before - out.unicodeScalars.count
        }
        return out
    }

    /// `text` without `span`: what precedes it and what follows it, joined by one space where both are non-empty.
    public static func removing(_ span: TextSpan, from text: String) -> String {
        let scalars = Array(text.unicodeScalars)
        var before = "", after = ""
        before.unicodeScalars.append(contentsOf: scalars[..<span.start])
        after.unicodeScalars.append(contentsOf: scalars[span.end...])
        let head = before.trimmingWhitespace(trailing: true), tail = after.trimmingWhitespace(trailing: false)
        return head.isEmpty || tail.isEmpty ? head + tail : head + " " + tail
    }

    /// Attribution per span: the top label's score on the whole text minus its score on each variant.
    public static func attributions(full: Double, occluded: [Double]) -> [Double] { occluded.map { full - $0 } }
}

extension String {
    /// The string without white space at its end (`trailing`) or its start.
    fileprivate func trimmingWhitespace(trailing: Bool) -> String {
        var scalars = Array(unicodeScalars)
        if trailing {
            while let last = scalars.last, last.properties.isWhitespace { scalars.removeLast() }
        } else {
            while let first = scalars.first, first.properties.isWhitespace { scalars.removeFirst() }
        }
        var out = ""
        out.unicodeScalars.append(contentsOf: scalars)
        return out
    }
}
