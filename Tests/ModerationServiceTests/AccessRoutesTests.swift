// In-process: bearer tokens guard each route by the role its table entry names.

import Foundation
import HTTPCore
import ModerationService
import TestSupport
import Testing

@Suite("Service: access control")
struct AccessRoutesTests {
    @Test func bearerTokensGuardRoutesByRole() throws {
        let classifier = "c-0123456789abcdef", reviewer = "r-0123456789abcdef", admin = "a-0123456789abcdef"
        let service = try ServiceHarness(tokens: [classifier: [.classify], reviewer: [.review], admin: [.admin]])
        defer { service.remove() }
        func status(_ method: HTTPMethod, _ path: String, token: String?, body: String = "{}") -> HTTPStatus? {
            service.request(method, path, body: body, headers: token.map { [("Authorization", "Bearer \($0)")] } ?? [])?
                .status
        }
        let classify = "{\"task\": \"spam\", \"text\": \"x\"}"
        #expect(status("GET", "/healthz", token: nil) == 200)
        #expect(status("GET", "/metrics", token: nil) == 200)
        let missing = service.request("POST", "/v1/classify", body: classify)
        #expect(missing?.status == 401 && missing?.headers["WWW-Authenticate"] == "Bearer")
        #expect(status("POST", "/v1/classify", token: "wrong-0123456789ab", body: classify) == 401)
        #expect(status("POST", "/v1/classify", token: classifier, body: classify) == 200)
        #expect(status("POST", "/v1/classify", token: reviewer, body: classify) == 403)
        #expect(status("GET", "/v1/stats", token: classifier) == 200)
        #expect(status("POST", "/v1/review/claim", token: classifier) == 403)
        #expect(status("POST", "/v1/review/claim", token: reviewer) == 200)
        #expect(status("POST", "/v1/review/claim", token: admin) == 200)
        #expect(status("DELETE", "/v1/experts/hate", token: reviewer) == 403)
        #expect(status("DELETE", "/v1/experts/hate", token: admin) == 200)
        // Every route in the table needs its role (or none); unmatched paths answer 404 before any token check.
        #expect(status("GET", "/v1/nothing", token: nil) == 404)
    }

    @Test func tokenEntriesAreCheckedWhenParsed() throws {
        #expect(throws: ServiceError.self) { try AccessControl.parse("classify:short") }
        #expect(throws: ServiceError.self) { try AccessControl.parse("boss:0123456789abcdef") }
        let parsed = try AccessControl.parse("# comment\nclassify:0123456789abcdef, admin:fedcba9876543210")
        #expect(parsed["0123456789abcdef"] == [.classify] && parsed["fedcba9876543210"] == [.admin])
    }
}
