// In-process: the two pages are served without a token (they hold no data), as HTML that may load nothing from
// elsewhere; the data routes they call still need the token's role.

import Foundation
import HTTPCore
import Testing

@Suite("Service: pages")
struct UIRoutesTests {
    @Test func pagesAreSelfContainedAndOpenWhileTheirDataNeedsTokens() throws {
        let admin = "a-0123456789abcdef"
        let service = try ServiceHarness(tokens: [admin: [.admin]])
        defer { service.remove() }
        for (method, path, marker) in [("GET", "/ui", "operator dashboard"), ("GET", "/ui/review", "Claim next")] {
            let page = try #require(service.request(HTTPMethod(rawValue: method), path))
            #expect(page.status == 200 && page.headers["Content-Type"] == "text/html; charset=utf-8")
            let csp = page.headers["Content-Security-Policy"] ?? ""
            #expect(csp.contains("default-src 'none'") && csp.contains("connect-src 'self'"), "\(csp)")
            #expect(page.body.contains(marker) && !page.body.contains(admin))
            for reference in ["src=\"http", "href=\"http", "url(http", "@import", "fetch(\"http"] {
                #expect(!page.body.contains(reference), "\(path) refers elsewhere: \(reference)")
            }
            #expect(!page.body.contains("innerHTML"), "\(path) inserts markup")
        }
        #expect(service.request("GET", "/v1/experts")?.status == 401)
        #expect(
            service.request("GET", "/v1/experts", headers: [("Authorization", "Bearer \(admin)")])?.status == 200)
    }
}
