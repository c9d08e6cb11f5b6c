// A task created from nothing: its untrained expert scores every label alike, so the informative claim order has
// nothing to rank by until a run trains a candidate; every run's candidate (even a rejected one) then ranks the
// open review items by its margins.

import Foundation
import ServiceStore
import Testing

@Suite("Service: evolution runs rank the open review queue")
struct EvolutionClaimOrderRoutesTests {
    static func openMargins(_ service: ServiceHarness) throws -> [Double] {
        try service.stores.reviews.database.query(
            "SELECT margin FROM review_items WHERE task = 'fresh' AND verdict IS NULL AND sampled = 0 ORDER BY id"
        ).compactMap { $0[0].double }
    }

    @Test func aRunsCandidateRanksTheOpenItemsWhateverBecomesOfIt() throws {
        let service = try ServiceHarness(auditRate: 0, sampleRate: 0.5, claimOrder: .informative)
        defer { service.remove() }
        let create =
            "{\"task\": \"fresh\", \"labels\": [\"compliant\", \"violating\"], \"compliant_label\": \"compliant\"}"
        #expect(service.request("POST", "/v1/tasks", body: create)?.status == 201)
        // A margin it cannot meet: the run is rejected, and still ranks the queue.
        #expect(
            service.request("PUT", "/v1/tasks/fresh/evolution", body: "{\"epochs\": 12, \"margin\": 1}")?.status
                == 200)
        _ = try EvolutionRoutesTests.reviewEverything(service, task: "fresh", EvolutionRoutesTests.texts(240, seed: 1))
        // 64 more texts, queued and left open.
        let stream = EvolutionRoutesTests.texts(64, seed: 2)
        for start in stride(from: 0, to: stream.count, by: 32) {
            let texts = stream[start..<start + 32].map { "\"\($0.text)\"" }.joined(separator: ", ")
            #expect(try service.json("POST", "/v1/classify", "{\"task\": \"fresh\", \"texts\": [\(texts)]}").0 == 200)
        }
        let before = try Self.openMargins(service)
        #expect(!before.isEmpty && before.allSatisfy { $0 == 1 }, "an untrained expert ranks nothing: \(before)")
        #expect(try service.json("POST", "/v1/tasks/fresh/evolve", "{}").0 == 202)
        let run = try EvolutionRoutesTests.waitForRun(service, task: "fresh")
        #expect(run["status"] as? String == "rejected", "\(run["reasons"] ?? "")")
        let after = try Self.openMargins(service)
        #expect(after.count == before.count)
        #expect(after.allSatisfy { $0 >= 0 && $0 < 1 }, "\(after)")
        #expect(Set(after).count > 1, "the candidate tells the items apart")
        // Claims (sampled items aside) now hand out the smallest margins first.
        let claimed = try service.json("POST", "/v1/review/claim", "{\"task\": \"fresh\", \"limit\": 100}").1
        let ids = (claimed["items"] as? [[String: Any]] ?? []).filter { $0["sampled"] as? Bool == false }
            .compactMap { $0["id"] as? Int }
        let byId = Dictionary(
            uniqueKeysWithValues: try service.stores.reviews.database.query(
                "SELECT id, margin FROM review_items WHERE task = 'fresh'"
            ).map { (Int($0[0].int ?? 0), $0[1].double ?? 0) })
        #expect(ids.count == before.count, "every open unsampled item claimed")
        let margins = ids.map { byId[$0] ?? -1 }
        #expect(margins == margins.sorted(), "\(margins)")
    }
}
