// The GPT-2 split by hand, and the byte alphabet, on cases whose answer the pattern fixes.

import Testing
import Tokenization

@Suite("Byte-level pre-tokenizer")
struct ByteLevelPreTokenizerTests {
    static func pieces(_ text: String, digits: Bool = false) -> [String] {
        let scalars = Array(text.unicodeScalars)
        return ByteLevelPreTokenizer(individualDigits: digits).split(scalars).map { range in
            var s = String.UnicodeScalarView()
            s.append(contentsOf: scalars[range])
            return String(s)
        }
    }

    @Test func splitsAsTheGPT2PatternDoes() {
        #expect(Self.pieces("Hello world") == ["Hello", " world"])
        // "\n\n" before "ok": \s+(?!\S) backs off to the first, the second alone is \s+ (tokenizers: 198, 198).
        #expect(Self.pieces("don't  stop!\n\nok") == ["don", "'t", " ", " stop", "!", "\n", "\n", "ok"])
        #expect(Self.pieces("I'LL we're 've") == ["I", "'", "LL", " we", "'re", " '", "ve"])
        #expect(Self.pieces("a   b") == ["a", "  ", " b"])
        #expect(Self.pieces("end   ") == ["end", "   "])
        #expect(Self.pieces(" 12345 x1") == [" 12345", " x", "1"])
        #expect(Self.pieces("...!? ,") == ["...!?", " ,"])
        #expect(Self.pieces("héllo мир 東京") == ["héllo", " мир", " 東京"])
        #expect(Self.pieces("x\u{00A0}y") == ["x", "\u{00A0}", "y"])
        #expect(Self.pieces("") == [])
    }

    @Test func digitsFirstIsolatesEveryNumberCharacter() {
        #expect(Self.pieces(" 12345 x1", digits: true) == [" ", "1", "2", "3", "4", "5", " x", "1"])
        #expect(Self.pieces("a 1", digits: true) == ["a", " ", "1"])
        #expect(Self.pieces("½ and ٣", digits: true) == ["½", " and", " ", "٣"])
    }

    @Test func theAlphabetSpellsEveryByteOnceAndPrintably() {
        let chars = ByteLevelAlphabet.characters
        #expect(Set(chars).count == 256)
        #expect(chars[32] == "\u{0120}" && chars[10] == "\u{010A}" && chars[65] == "A" && chars[173] == "\u{0143}")
        #expect(ByteLevelAlphabet.spell(Array("é ".utf8)) == "Ã©Ġ")
        for (b, c) in chars.enumerated() { #expect(ByteLevelAlphabet.bytes[c] == UInt8(b)) }
    }
}
