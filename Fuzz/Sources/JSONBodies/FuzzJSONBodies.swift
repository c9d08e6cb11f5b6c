// libFuzzer target: the JSON request bodies, read as the service reads them (UTF-8, JSON, object) and validated
// as classify, moderations and review claims (internals reached with @testable: the fuzz build enables testing).
// Properties: no crash; what validates keeps the limits (text count, code points per text, known tasks, claim
// bounds).

import HTTPCore
@testable import ModerationService

let limits = ServiceConfiguration()
let known = ["spam", "hate", "topic"]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSONBodies(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let request = HTTPRequest(
        method: .post, target: "/v1/classify", headers: HTTPHeaders([("Content-Type", "application/json")]),
        body: Array(UnsafeBufferPointer(start: data, count: size)))
    guard let body = try? JSONBody.object(request) else { return 0 }
    for parsed in [
        try? ClassifyRequest.parse(body, known: known, limits: limits),
        try? ModerationsRequest.parse(body, moderationTasks: ["spam", "hate"], known: known, limits: limits),
    ] {
        guard let parsed else { continue }
        precondition(!parsed.texts.isEmpty && parsed.texts.count <= limits.maxTextsPerRequest, "text count")
        precondition(parsed.texts.allSatisfy { $0.unicodeScalars.count <= limits.maxCharactersPerText }, "text length")
        precondition(!parsed.tasks.isEmpty && parsed.tasks.allSatisfy(known.contains), "tasks")
    }
    if let claim = try? ReviewClaim.parse(body, configuration: limits) {
        precondition((1...limits.maxClaim).contains(claim.limit) && claim.leaseSeconds >= 1, "claim bounds")
    }
    if let target = try? JSONField.targetPrecision(body, fallback: 0.9) {
        precondition(target > 0 && target <= 1, "target precision")
    }
    return 0
}
