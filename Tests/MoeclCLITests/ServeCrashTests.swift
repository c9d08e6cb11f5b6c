// Crash test: kill -9 `moecl serve` while clients post samples and verdicts; after a restart every acknowledged
// review item and verdict is there (and `moecl export-feedback` exports the verdicts).

import Foundation
import TestSupport
import Testing

@Suite("moecl serve crash (binary)")
struct ServeCrashTests {
    /// What the server acknowledged: review items (id → text) and verdicts (id → label).
    final class Acknowledged: @unchecked Sendable {  // safe: every access holds `lock`
        private let lock = NSLock()
        private var items: [Int: String] = [:]
        private var verdicts: [Int: String] = [:]
        private var running = true

        func add(item id: Int, text: String) { lock.withLock { items[id] = text } }
        func add(verdict id: Int, label: String) { lock.withLock { verdicts[id] = label } }
        func stop() { lock.withLock { running = false } }
        var isRunning: Bool { lock.withLock { running } }
        var snapshot: (items: [Int: String], verdicts: [Int: String]) { lock.withLock { (items, verdicts) } }
    }

    /// One client: classifies two texts (each acknowledged with a review id), then labels one of its items.
    static func client(_ server: ServeCommandTests.Server, worker: Int, into acknowledged: Acknowledged) {
        var mine: [Int] = []
        var n = 0
        while acknowledged.isRunning {
            n += 1
            let texts = ["w\(worker) sample \(n) a", "w\(worker) sample \(n) b"]
            let body = "{\"task\": \"spam\", \"texts\": [\"\(texts[0])\", \"\(texts[1])\"]}"
            if let r = server.request("POST", "/v1/classify", body: body), r.status == 200,
                let object = try? JSONSerialization.jsonObject(with: Data(r.body.utf8)) as? [String: Any],
                let results = object["results"] as? [[String: Any]]
            {
                for result in results {
                    guard let id = result["review_id"] as? Int, let index = result["index"] as? Int else { continue }
                    acknowledged.add(item: id, text: texts[index])
                    mine.append(id)
                }
            }
            if let id = mine.first {
                let label = id % 2 == 0 ? "compliant" : "violating"
                if server.request("POST", "/v1/review/\(id)/verdict", body: "{\"label\": \"\(label)\"}")?.status == 201
                {
                    acknowledged.add(verdict: id, label: label)
                    mine.removeFirst()
                }
            }
        }
    }

    @Test func everyAcknowledgedItemAndVerdictSurvivesKill9UnderLoad() throws {
        let tiny = try TinyMoE()
        let state = TestPaths.temporaryFolder("moecl-serve-crash")
        defer {
            tiny.remove()
            try? FileManager.default.removeItem(at: state)
        }
        let arguments = [
            "--model", tiny.modelPath, "--experts", try tiny.writeBundle(), "--state", state.path, "--audit-rate", "0",
        ]
        let server = try ServeCommandTests.Server(arguments: arguments)
        let (items, verdicts) = try Self.loadThenKill9(server, untilVerdicts: 200)
        print("crash test: \(items.count) items, \(verdicts.count) verdicts acknowledged before kill -9")

        let restarted = try ServeCommandTests.Server(arguments: arguments)
        defer { _ = restarted.stop() }
        // Every open item comes back from the queue with its text (none were claimed before the crash); every
        // verdict is exported with its label and text.
        try Self.expectNothingLost(
            items: items, verdicts: verdicts, claimingFrom: restarted, export: ["--state", state.path])
        #expect(
            restarted.request(
                "POST", "/v1/review/\(verdicts.keys.first ?? 0)/verdict",
                body: "{\"label\": \"\(verdicts.values.first ?? "")\"}")?.status == 200)
    }

    /// Four clients post samples and verdicts to `server` until it acknowledged `count` verdicts (or 30 s
    /// passed); then kill -9. Returns what was acknowledged, after checking there was enough of it.
    static func loadThenKill9(_ server: ServeCommandTests.Server, untilVerdicts count: Int) throws
        -> (items: [Int: String], verdicts: [Int: String])
    {
        let acknowledged = Acknowledged()
        let group = DispatchGroup()
        for worker in 0..<4 {
            DispatchQueue.global().async(group: group) { client(server, worker: worker, into: acknowledged) }
        }
        // Let traffic build, then kill -9 in the middle of it.
        let deadline = Date().addingTimeInterval(30)
        while acknowledged.snapshot.verdicts.count < count && Date() < deadline { usleep(50_000) }
        kill(server.process.processIdentifier, SIGKILL)
        server.process.waitUntilExit()
        acknowledged.stop()
        group.wait()
        let (items, verdicts) = acknowledged.snapshot
        #expect(
            verdicts.count >= count && items.count > verdicts.count, "\(items.count) items, \(verdicts.count) verdicts")
        return (items, verdicts)
    }

    /// Every acknowledged item without a verdict can be claimed from `server` with its text, or is exported (its
    /// verdict was written but not acknowledged before the kill); every acknowledged verdict is exported by
    /// `moecl export-feedback` on `export` with its label and text.
    static func expectNothingLost(
        items: [Int: String], verdicts: [Int: String], claimingFrom server: ServeCommandTests.Server,
        export source: [String]
    ) throws {
        var claimed: [Int: String] = [:]
        while true {
            let (status, body) = try server.json("POST", "/v1/review/claim", "{\"task\": \"spam\", \"limit\": 100}")
            let page = try #require(body["items"] as? [[String: Any]])
            #expect(status == 200)
            if page.isEmpty { break }
            for item in page { claimed[item["id"] as? Int ?? -1] = item["text"] as? String }
        }
        let export = try exportFeedback(source)
        for (id, label) in verdicts {
            #expect(export[id]?.label == label && export[id]?.text == items[id], "verdict of item \(id)")
        }
        for (id, text) in items where verdicts[id] == nil {
            #expect(claimed[id] == text || export[id]?.text == text, "item \(id)")
        }
    }

    @Test func exportFeedbackExplainsAMissingStateFolder() throws {
        let process = Process()
        process.executableURL = try ClassifyInspectCommandTests.requireBinary()
        process.arguments = ["export-feedback", "--task", "spam", "--state", "/nonexistent/moecl-state"]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(
            process.terminationStatus != 0 && message.contains("no state database") && message.contains("--state"),
            "\(message)")
    }

    /// `moecl export-feedback --task spam` on `source` (`--state DIR` or `--database-url URL`): review id →
    /// (label, text).
    static func exportFeedback(_ source: [String]) throws -> [Int: (label: String, text: String)] {
        let process = Process()
        process.executableURL = try ClassifyInspectCommandTests.requireBinary()
        process.arguments = ["export-feedback", "--task", "spam"] + source
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        var result: [Int: (label: String, text: String)] = [:]
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(object["kind"] as? String == "review" && object["model_label"] is String)
            result[object["review_id"] as? Int ?? -1] = (
                object["label"] as? String ?? "", object["text"] as? String ?? ""
            )
        }
        return result
    }
}
