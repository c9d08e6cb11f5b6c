// Route templates: parameters, literal precedence, 404 against 405, HEAD served by GET routes.

import HTTPCore
import Testing

@Suite("Router")
struct RouterTests {
    static var router: Router<String> {
        var r = Router<String>()
        r.add("GET", "/v1/experts", "list")
        r.add("PUT", "/v1/experts/{task}", "upload")
        r.add("DELETE", "/v1/experts/{task}", "delete")
        r.add("POST", "/v1/experts/{task}/rollback", "rollback")
        r.add("GET", "/v1/review/stats", "review-stats")
        r.add("POST", "/v1/review/{id}/verdict", "verdict")
        r.add("POST", "/v1/review/claim", "claim")
        return r
    }

    func handler(_ m: Router<String>.Match) -> (String, String, [String: String])? {
        if case .found(let h, let t, let p) = m { (h, t, p) } else { nil }
    }

    @Test func bindsParametersAndNamesTheTemplate() throws {
        let (h, t, p) = try #require(handler(Self.router.match(method: "PUT", path: "/v1/experts/sms%2Dspam")))
        #expect(h == "upload" && t == "/v1/experts/{task}" && p == ["task": "sms-spam"])
        #expect(handler(Self.router.match(method: "POST", path: "/v1/experts/spam/rollback"))?.0 == "rollback")
        #expect(handler(Self.router.match(method: "POST", path: "/v1/review/42/verdict"))?.2 == ["id": "42"])
    }

    @Test func literalsWinOverParameters() {
        #expect(handler(Self.router.match(method: "POST", path: "/v1/review/claim"))?.0 == "claim")
    }

    @Test func unknownPathsAreNotFoundAndWrongMethodsListTheAllowedOnes() {
        guard case .notFound = Self.router.match(method: "GET", path: "/v2/experts") else {
            Issue.record("expected 404"); return
        }
        guard case .notFound = Self.router.match(method: "PUT", path: "/v1/experts/") else {
            Issue.record("empty parameter"); return
        }
        guard case .notFound = Self.router.match(method: "PUT", path: "/v1/experts/%zz") else {
            Issue.record("bad escape"); return
        }
        guard case .methodNotAllowed(let allowed) = Self.router.match(method: "POST", path: "/v1/experts/spam") else {
            Issue.record("expected 405")
            return
        }
        #expect(allowed == ["PUT", "DELETE"])
    }

    @Test func headIsServedByGetRoutes() {
        #expect(handler(Self.router.match(method: "HEAD", path: "/v1/experts"))?.0 == "list")
    }

    @Test func percentDecodingOfPathsAndQueries() {
        #expect(PercentDecoding.decode("a%20b+c") == "a b+c")
        #expect(PercentDecoding.decode("%E2%9C%93") == "✓")
        #expect(PercentDecoding.decode("%FF") == nil)
        #expect(PercentDecoding.decode("%4") == nil)
        #expect(
            PercentDecoding.query("task=sms-spam&window=5m&q=a+b%21&task=other") == [
                "task": "sms-spam", "window": "5m", "q": "a b!",
            ])
        #expect(PercentDecoding.query("flag") == ["flag": ""])
        #expect(PercentDecoding.query("a=%G0") == nil)
    }
}
