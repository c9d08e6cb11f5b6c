// PUT /v1/shared: a shared expert file is validated in memory, served, registered, and rolled back.

import Foundation
import Testing

@Suite("Service: uploading the shared expert")
struct SharedUploadRoutesTests {
    @Test func aSharedExpertFileIsValidatedServedAndRolledBack() throws {
        let service = try ServiceHarness(auditRate: 0)
        defer { service.remove() }
        let bundle = try service.tiny.writeBundle()
        let file = try #require(FileManager.default.contents(atPath: bundle + "/shared.safetensors"))
        let task = try #require(FileManager.default.contents(atPath: bundle + "/tasks/spam.safetensors"))
        #expect(service.request("POST", "/v1/shared/rollback")?.status == 409, "the bundle's is served")
        let refused = service.request("PUT", "/v1/shared", raw: [UInt8](task))
        #expect(refused?.status == 422)
        #expect(refused?.body.contains("shared expert file is not usable") == true, "\(refused?.body ?? "")")
        #expect(service.request("PUT", "/v1/shared", raw: [UInt8](file.prefix(100)))?.status == 422)
        let before = try EvolutionSharedModeTests.scores(service, "spam", "hello world")
        let loaded = try #require(service.request("PUT", "/v1/shared", raw: [UInt8](file)))
        #expect(loaded.status == 201 && loaded.body.contains("\"status\":\"loaded\""), "\(loaded.body)")
        #expect(try EvolutionSharedModeTests.scores(service, "spam", "hello world") == before, "the same file")
        #expect(service.request("POST", "/v1/shared/rollback")?.status == 200)
        #expect(service.request("POST", "/v1/shared/rollback")?.status == 409)
    }
}
