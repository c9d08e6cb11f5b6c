// Occlusion explanations: words by code point offsets, merging into at most N spans, removing spans, attributions.

import Moderation
import Testing

@Suite("occlusion")
struct OcclusionTests {
    @Test("words are maximal non-space runs located by code point offsets, also after emoji and accents")
    func words() {
        let text = "  héllo\tworld 👋🏽 ok\n"
        let words = TextSpan.words(in: text)
        #expect(words.map(\.text) == ["héllo", "world", "👋🏽", "ok"])
        let scalars = Array(text.unicodeScalars)
        for w in words {
            var piece = ""
            piece.unicodeScalars.append(contentsOf: scalars[w.start..<w.end])
            #expect(piece == w.text)
        }
        #expect(TextSpan.words(in: " \n\t ").isEmpty && TextSpan.words(in: "").isEmpty)
    }

    @Test("more words than maxSpans merge into runs of neighbouring words that cover every word once")
    func merging() {
        let text = (1...10).map { "w\($0)" }.joined(separator: " ")
        #expect(Occlusion.spans(of: text, maxSpans: 10).count == 10)
        let spans = Occlusion.spans(of: text, maxSpans: 4)
        #expect(spans.map(\.text) == ["w1 w2 w3", "w4 w5 w6", "w7 w8 w9", "w10"])
        #expect(Occlusion.spans(of: text, maxSpans: 1).map(\.text) == [text])
    }

    @Test("removing a span joins its neighbours with one space; removing several removes each")
    func removing() {
        let text = "you are  a worthless idiot"
        let words = TextSpan.words(in: text)
        #expect(Occlusion.removing(words[0], from: text) == "are  a worthless idiot")
        #expect(Occlusion.removing(words[2], from: text) == "you are worthless idiot")
        #expect(Occlusion.removing(words[4], from: text) == "you are  a worthless")
        #expect(Occlusion.removing([words[4], words[1]], from: text) == "you a worthless")
        #expect(Occlusion.removing(words, from: text) == "")
        #expect(Occlusion.removing(TextSpan.words(in: "one")[0], from: "one") == "")
    }

    @Test("attribution is the full score minus the score without the span")
    func attributions() {
        let rounded = Occlusion.attributions(full: 0.9, occluded: [0.5, 0.95, 0.9]).map { ($0 * 1e6).rounded() / 1e6 }
        #expect(rounded == [0.4, -0.05, 0])
    }
}
