// In-process: the route table against openapi.yaml, and unexpected errors answered 500 without internal text.

import Foundation
import ModerationService
import ServiceStore
import TestSupport
import Testing

@Suite("Service: route table")
struct RouteTableTests {
    /// (method, path template) of every operation in openapi.yaml, read from its `paths:` section.
    static func specOperations() throws -> Set<String> {
        let text = try String(contentsOf: TestPaths.packageRoot.appendingPathComponent("openapi.yaml"), encoding: .utf8)
        var operations: Set<String> = [], path: String?, inPaths = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if !line.hasPrefix(" ") && !line.isEmpty { inPaths = line == "paths:" }
            guard inPaths else { continue }
            if line.hasPrefix("  /"), line.hasSuffix(":"), !line.hasPrefix("   ") {
                path = String(line.dropFirst(2).dropLast())
            } else if let path, line.hasPrefix("    "), !line.hasPrefix("     "), line.hasSuffix(":") {
                let method = line.trimmingCharacters(in: .whitespaces).dropLast().uppercased()
                if ["GET", "PUT", "POST", "DELETE", "PATCH"].contains(method) {
                    operations.insert("\(method) \(path)")
                }
            }
        }
        return operations
    }

    @Test func theRouteTableIsExactlyTheSpecsOperations() throws {
        let table = Set(ModerationService.routeTemplates.map { "\($0.method) \($0.template)" })
        let spec = try Self.specOperations()
        #expect(spec.count >= 16)
        let onlyInTable = table.subtracting(spec).sorted(), onlyInSpec = spec.subtracting(table).sorted()
        #expect(table == spec, "only in the table: \(onlyInTable); only in the spec: \(onlyInSpec)")
    }

    @Test func everyRouteOfTheSpecIsExercisedByThisSuite() throws {
        // Each operation appears as a request in one of this target's test files.
        let folder = TestPaths.packageRoot.appendingPathComponent("Tests/ModerationServiceTests")
        let sources = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter {
            $0.hasSuffix("RoutesTests.swift")
        }
        .map { try String(contentsOf: folder.appendingPathComponent($0), encoding: .utf8) }.joined()
        for operation in try Self.specOperations().sorted() {
            let parts = operation.split(separator: " ")
            let prefix = parts[1].split(separator: "{").first.map(String.init) ?? String(parts[1])
            #expect(sources.contains("(\"\(parts[0])\", \"\(prefix)"), "no test requests \(operation)")
        }
    }

    @Test func unexpectedErrorsAre500WithARequestIdAndNoInternalText() throws {
        let service = try ServiceHarness()
        defer { service.remove() }
        // The review table vanishes under the running service: the store's error is unexpected.
        let database = try SQLiteDatabase(path: service.state.appendingPathComponent("moecl.sqlite").path)
        try database.run("DROP TABLE review_items")
        let r = try #require(service.request("GET", "/v1/review/stats", headers: [("X-Request-Id", "req-500")]))
        #expect(r.status == 500 && r.body.contains("\"code\":\"internal\"") && r.body.contains("req-500"), "\(r.body)")
        #expect(r.headers["X-Request-Id"] == "req-500")
        #expect(!r.body.contains("review_items") && !r.body.contains(service.state.path), "internal text in \(r.body)")
        #expect(service.request("GET", "/healthz")?.status == 200)  // and the service goes on
    }
}
