// Policy lists: normalisation (case, accents, width, look-alikes, invisible characters), whole-word terms that
// survive inserted separators, patterns, precedence by order, and clear errors for bad entries.

import Moderation
import Testing

@Suite("policy matcher")
struct PolicyMatcherTests {
    func hit(_ entries: [PolicyEntry], _ text: String) throws -> PolicyHit? {
        try PolicyMatcher(entries: entries).firstHit(in: PolicyText(text))
    }

    func term(_ value: String, _ action: PolicyEntry.Action = .black) -> PolicyEntry {
        PolicyEntry(match: .term, value: value, action: action)
    }

    @Test("a term matches whole words whatever the case, accents, width, look-alikes or inserted separators")
    func termsSurviveObfuscation() throws {
        for text in [
            "get FREE money", "get frée money", "get ｆｒｅｅ money", "get fr33 money", "get f r e e money",
            "get f.r.e.e money", "get f-r_e*e", "get fr\u{200B}ee money", "get frее money",  // Cyrillic е
            "free!", "(free)",
        ] {
            #expect(try hit([term("free")], text) != nil, "\(text)")
        }
        for text in ["carefree", "freedom", "get fre money", "f reedom", ""] {
            #expect(try hit([term("free")], text) == nil, "\(text)")
        }
        #expect(try hit([term("kill yourself")], "just k1ll   y0urself") != nil)
        #expect(try hit([term("kill yourself")], "killyourself now") != nil)
        #expect(try hit([term("sex")], "$ex sells") != nil && hit([term("sex")], "prices in $ ex") == nil)
    }

    @Test("a hit reports the original text's code points, emoji before it counted once")
    func hitRange() throws {
        let found = try #require(try hit([term("free")], "👋🏽 get f r e e now"))
        let scalars = Array("👋🏽 get f r e e now".unicodeScalars)
        var piece = ""
        piece.unicodeScalars.append(contentsOf: scalars[found.range])
        #expect(piece == "f r e e" && found.index == 0)
    }

    @Test("patterns search the normalised text; the first matching entry in list order decides")
    func patternsAndOrder() throws {
        let url = PolicyEntry(match: .pattern, value: #"https?://\S+\.ru\b"#, action: .review)
        #expect(try hit([url], "see HTTP://spam.RU/x")?.entry.action == .review)
        #expect(try hit([url], "see http://spam.com") == nil)
        let allow = term("scunthorpe united", .white), block = term("scunthorpe", .black)
        #expect(try hit([allow, block], "Scunthorpe United won")?.entry.action == .white)
        #expect(try hit([block, allow], "Scunthorpe United won")?.entry.action == .black)
        #expect(try hit([allow, block], "Scunthorpe again")?.entry.action == .black)
    }

    @Test("bad entries are refused with the entry's position and what to fix")
    func errors() {
        func message(_ entries: [PolicyEntry]) -> String? {
            do throws(PolicyListError) {
                _ = try PolicyMatcher(entries: entries)
                return nil
            } catch { return error.description }
        }
        #expect(message([term("ok"), term("...")])?.contains("entry 1: the term '...' has no letter or digit") == true)
        #expect(message([PolicyEntry(match: .pattern, value: "(", action: .black)])?.contains("not a regular") == true)
        #expect(message([term("")])?.contains("entry 0: 'value' must have 1 to 200") == true)
        #expect(message(Array(repeating: term("x"), count: 1001))?.contains("at most 1000") == true)
        #expect(message([term("ok")]) == nil)
    }
}
