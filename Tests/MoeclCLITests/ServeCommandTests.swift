// End-to-end: the real `moecl serve` binary on a tiny random model and bundle, driven over loopback.

import Foundation
import ModelFormats
import MoELoRA
import ServiceStore
import TestSupport
import Testing

@Suite("moecl serve (binary)", .enabled(if: ClassifyInspectCommandTests.binary != nil, "moecl not built"))
struct ServeCommandTests {
    /// A running server process and its port.
    final class Server: @unchecked Sendable {  // safe: clients on other threads only read the immutable `port`
        let process = Process()
        let port: UInt16

        /// A state folder made for this server when the test gave none (never the repository's own `state/`).
        let ownState: URL?

        init(arguments: [String]) throws {
            process.executableURL = ClassifyInspectCommandTests.binary!
            ownState = arguments.contains("--state") ? nil : TestPaths.temporaryFolder("moecl-serve-own-state")
            process.arguments = ["serve", "--port", "0", "--threads", "1"] + arguments + (ownState.map { ["--state", $0.path] } ?? [])
            process.currentDirectoryURL = TestPaths.packageRoot
            let errors = Pipe()
            process.standardError = errors
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            // The "listening on" line names the port; warnings may come before it.
            var text = ""
            let handle = errors.fileHandleForReading
            while !text.contains("listening on") {
                var line = Data()
                while !line.contains(10) {
                    let byte = handle.readData(ofLength: 1)
                    guard !byte.isEmpty else { break }
                    line += byte
                }
                guard !line.isEmpty else { break }
                text = String(decoding: line, as: UTF8.self)
            }
            guard let range = text.range(of: "127.0.0.1:"),
                  let port = UInt16(text[range.upperBound...].prefix { $0.isNumber }) else {
                process.terminate()
                throw POSIXError(.EINVAL)
            }
            self.port = port
        }

        /// One request on a fresh connection.
        func request(_ method: String, _ path: String, body: String? = nil, raw: [UInt8]? = nil)
            -> (status: Int, headers: [String: String], body: String)? {
            guard let client = try? TestClient(port: port) else { return nil }
            var text = "\(method) \(path) HTTP/1.1\r\nHost: t\r\n"
            let bytes = raw ?? Array((body ?? "").utf8)
            if body != nil || raw != nil { text += "Content-Type: application/json\r\nContent-Length: \(bytes.count)\r\n" }
            client.send(Array((text + "\r\n").utf8) + bytes)
            return client.response()
        }

        func json(_ method: String, _ path: String, _ body: String? = nil) throws -> (Int, [String: Any]) {
            let r = try #require(request(method, path, body: body))
            let object = try JSONSerialization.jsonObject(with: Data(r.body.utf8)) as? [String: Any]
            return (r.status, try #require(object))
        }

        /// Sends SIGTERM and returns the exit status; a server still running 20 s later is killed (status -1), so
        /// a shutdown bug fails the test instead of hanging it.
        deinit {
            if let ownState { try? FileManager.default.removeItem(at: ownState) }
        }

        func stop() -> Int32 {
            process.terminate()
            let deadline = Date().addingTimeInterval(20)
            while process.isRunning && Date() < deadline { usleep(10_000) }
            guard !process.isRunning else {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                return -1
            }
            return process.terminationStatus
        }
    }

    @Test func servesHealthClassificationExpertsAndErrorsThenStopsCleanly() throws {
        let tiny = try TinyMoE()
        defer { tiny.remove() }
        let bundle = try tiny.writeBundle()
        let server = try Server(arguments: ["--model", tiny.modelPath, "--experts", bundle, "--max-texts", "4"])
        var stopped = false
        defer { if !stopped { _ = server.stop() } }
        #expect(server.request("GET", "/healthz")?.status == 200)
        var ready = 0
        for _ in 0..<100 where ready != 200 {
            ready = server.request("GET", "/readyz")?.status ?? 0
            if ready != 200 { usleep(50_000) }
        }
        #expect(ready == 200)
        let tasks = try tiny.snapshot().taskNames
        // One text, one task.
        let (status, single) = try server.json("POST", "/v1/classify", "{\"task\": \"\(tasks[0])\", \"text\": \"hello world\"}")
        #expect(status == 200 && single["request_id"] is String)
        let results = try #require(single["results"] as? [[String: Any]])
        #expect(results.count == 1 && results[0]["task"] as? String == tasks[0])
        let scores = try #require(results[0]["scores"] as? [String: Double])
        #expect(abs(scores.values.reduce(0, +) - 1) < 1e-4)
        #expect(["white", "black", "auto", "review"].contains(results[0]["decision"] as? String ?? ""))
        // A batch of texts, and one text under every task.
        let (_, batch) = try server.json("POST", "/v1/classify", "{\"task\": \"\(tasks[1])\", \"texts\": [\"a\", \"b c\", \"\"]}")
        #expect((batch["results"] as? [[String: Any]])?.compactMap { $0["index"] as? Int } == [0, 1, 2])
        let (_, all) = try server.json("POST", "/v1/classify", "{\"task\": \"*\", \"text\": \"x y\"}")
        #expect(Set((all["results"] as? [[String: Any]])?.compactMap { $0["task"] as? String } ?? []) == Set(tasks))
        // The moderation-compatible endpoint: every input under every moderation task (not the topic task).
        let (modStatus, moderated) = try server.json("POST", "/v1/moderations", "{\"input\": [\"a\", \"b c\"], \"model\": \"x\"}")
        let entries = try #require(moderated["results"] as? [[String: Any]])
        #expect(modStatus == 200 && entries.count == 2 && (moderated["id"] as? String)?.hasPrefix("modr-") == true)
        for entry in entries {
            let categories = try #require(entry["categories"] as? [String: Bool])
            let categoryScores = try #require(entry["category_scores"] as? [String: Double])
            #expect(Set(categories.keys) == ["spam", "hate"] && Set(categoryScores.keys) == ["spam", "hate"])
            #expect(categoryScores.values.allSatisfy { $0 >= 0 && $0 <= 1 })
            #expect(entry["flagged"] as? Bool == categories.values.contains(true))
        }
        #expect(server.request("POST", "/v1/moderations", body: "{\"input\": 3}")?.status == 422)
        let (_, experts) = try server.json("GET", "/v1/experts")
        let listed = try #require(experts["tasks"] as? [[String: Any]])
        #expect(listed.count == tasks.count)
        // Each task's checksum is its bundle file's (files round-trip bit-exactly), with the time it was loaded.
        let manifest = try #require(try JSONSerialization.jsonObject(
            with: Data(contentsOf: URL(fileURLWithPath: bundle).appendingPathComponent("manifest.json"))) as? [String: Any])
        let fileChecksums = Dictionary(uniqueKeysWithValues: (manifest["tasks"] as? [[String: Any]] ?? []).map {
            ($0["task"] as? String ?? "", $0["sha256"] as? String ?? "")
        })
        for entry in listed {
            #expect(entry["sha256"] as? String == fileChecksums[entry["task"] as? String ?? ""], "\(entry)")
            #expect(abs((entry["loaded_at"] as? Double ?? 0) - Date().timeIntervalSince1970) < 600)
        }
        // Bad input: the right status and a JSON error, and the server keeps serving.
        let cases: [(String, String, String?, [UInt8]?, Int, String)] = [
            ("POST", "/v1/classify", "{\"task\": ", nil, 400, "invalid_json"),
            ("POST", "/v1/classify", nil, Array("{\"task\": \"a\", \"text\": \"".utf8) + [0xFF, 0x22, 0x7D], 400, "invalid_utf8"),
            ("POST", "/v1/classify", "{\"task\": \"nope\", \"text\": \"x\"}", nil, 404, "unknown_task"),
            ("POST", "/v1/classify", "{\"task\": \"\(tasks[0])\", \"texts\": [\"1\", \"2\", \"3\", \"4\", \"5\"]}", nil, 422, "validation_failed"),
            ("POST", "/v1/classify", "[1, 2]", nil, 400, "invalid_json"),
            ("GET", "/v1/nothing", nil, nil, 404, "not_found"),
            ("DELETE", "/v1/classify", nil, nil, 405, "method_not_allowed"),
        ]
        for (method, path, body, raw, expected, code) in cases {
            let r = server.request(method, path, body: body, raw: raw)
            #expect(r?.status == expected && r?.body.contains("\"code\":\"\(code)\"") == true, "\(method) \(path) \(body ?? "raw")")
        }
        // Prometheus metrics: every sample line well-formed; route templates, not raw paths.
        let metrics = try #require(server.request("GET", "/metrics"))
        #expect(metrics.status == 200 && metrics.headers["content-type"]?.hasPrefix("text/plain") == true)
        let sample = try Regex(#"^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*"(,[a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*")*\})? (-?[0-9.eE+-]+|NaN|\+Inf)$"#)
        for line in metrics.body.split(separator: "\n") where !line.hasPrefix("#") {
            #expect(line.wholeMatch(of: sample) != nil, "bad sample line: \(line)")
        }
        #expect(metrics.body.contains("moecl_requests_total{route=\"/v1/classify\",code=\"200\"} 3"))
        #expect(metrics.body.contains("moecl_requests_total{route=\"/v1/moderations\",code=\"200\"} 1"))
        #expect(metrics.body.contains("moecl_requests_total{route=\"unmatched\",code=\"404\"}"))
        #expect(metrics.body.contains("moecl_experts_loaded{task=\"\(tasks[0])\",version=\"1\"} 1"))
        #expect(metrics.body.contains("moecl_decisions_total{task=\"\(tasks[1])\",decision="))
        let gate = try Regex(#"moecl_gate_shared_weight\{task="spam"\} (0\.[0-9]+|1)\n"#)
        #expect(metrics.body.contains(gate))
        #expect(metrics.body.contains("moecl_batch_size_count ") && metrics.body.contains("moecl_inference_duration_seconds_bucket{le=\"+Inf\"}"))
        let garbage = try TestClient(port: server.port)
        garbage.send([0x16, 0x03, 0x01, 0x00, 0x0D, 0x0A, 0x0D, 0x0A])
        #expect(garbage.response()?.status == 400)
        #expect(server.request("GET", "/healthz")?.status == 200)
        stopped = true
        #expect(server.stop() == 0)
    }

    @Test func reviewQueueFlowAndAcknowledgedVerdictsSurviveKill9() throws {
        let tiny = try TinyMoE()
        let state = TestPaths.temporaryFolder("moecl-serve-state")
        defer {
            tiny.remove()
            try? FileManager.default.removeItem(at: state)
        }
        let bundle = try tiny.writeBundle()
        let arguments = ["--model", tiny.modelPath, "--experts", bundle, "--state", state.path, "--audit-rate", "0"]
        let server = try Server(arguments: arguments)
        // The tiny experts have no calibration: every decision is review, so every text is queued.
        let (status, classified) = try server.json("POST", "/v1/classify", "{\"task\": \"spam\", \"texts\": [\"a\", \"b\", \"c\"]}")
        let results = try #require(classified["results"] as? [[String: Any]])
        #expect(status == 200 && results.allSatisfy { $0["decision"] as? String == "review" })
        let ids = results.compactMap { $0["review_id"] as? Int }
        #expect(ids.count == 3 && Set(ids).count == 3)
        let (_, first) = try server.json("POST", "/v1/review/claim", "{\"task\": \"spam\", \"limit\": 2, \"lease_seconds\": 60}")
        let claimed = try #require(first["items"] as? [[String: Any]])
        #expect(claimed.compactMap { $0["id"] as? Int } == Array(ids.prefix(2)) && claimed[0]["text"] as? String == "a")
        let (_, second) = try server.json("POST", "/v1/review/claim", "{}")
        #expect((second["items"] as? [[String: Any]])?.compactMap { $0["id"] as? Int } == [ids[2]])
        let (_, third) = try server.json("POST", "/v1/review/claim", "{\"limit\": 5}")
        #expect((third["items"] as? [Any])?.isEmpty == true)
        let verdict = "/v1/review/\(ids[0])/verdict"
        #expect(server.request("POST", verdict, body: "{\"label\": \"violating\"}")?.status == 201)
        #expect(server.request("POST", verdict, body: "{\"label\": \"violating\"}")?.status == 200)
        #expect(server.request("POST", verdict, body: "{\"label\": \"compliant\"}")?.status == 409)
        #expect(server.request("POST", "/v1/review/\(ids[1])/verdict", body: "{\"label\": \"maybe\"}")?.status == 422)
        #expect(server.request("POST", "/v1/review/99999/verdict", body: "{\"label\": \"compliant\"}")?.status == 404)
        #expect(server.request("POST", "/v1/review/claim", body: "{\"limit\": 0}")?.status == 422)
        // Reject rate over a window: three texts, all sent to review.
        let (rateStatus, rate) = try server.json("GET", "/v1/stats/reject-rate?task=spam&window=5m")
        let counts = try #require(rate["counts"] as? [String: Any])
        #expect(rateStatus == 200 && counts["review"] as? Int == 3 && counts["reject_rate"] as? Double == 0)
        #expect(server.request("GET", "/v1/stats/reject-rate?window=5x")?.status == 422)
        #expect(server.request("GET", "/v1/stats/reject-rate?task=nope")?.status == 404)
        // kill -9 right after the acknowledgements (decision counts are flushed once a second), then restart on
        // the same state folder.
        usleep(1_500_000)
        kill(server.process.processIdentifier, SIGKILL)
        server.process.waitUntilExit()
        let restarted = try Server(arguments: arguments)
        defer { _ = restarted.stop() }
        let (_, stats) = try restarted.json("GET", "/v1/review/stats")
        let queues = try #require(stats["queues"] as? [[String: Any]])
        #expect(queues.count == 1 && queues[0]["decided"] as? Int == 1)
        #expect((queues[0]["open"] as? Int ?? 0) + (queues[0]["leased"] as? Int ?? 0) == 2)
        #expect(restarted.request("POST", verdict, body: "{\"label\": \"compliant\"}")?.status == 409)
        let (_, all) = try restarted.json("GET", "/v1/stats")
        let windows = try #require(all["windows"] as? [String: [String: [String: Any]]])
        #expect(windows["all"]?["spam"]?["review"] as? Int == 3 && windows["5m"]?["spam"]?["total"] as? Int == 3)
        // The raw decisions log holds the three decisions too: text digests, not texts.
        let log = try DecisionLog(database: SQLiteDatabase(path: state.appendingPathComponent("moecl.sqlite").path))
        let logged = try log.recent(task: "spam", limit: 10)
        #expect(logged.count == 3 && logged.allSatisfy { $0.decision == "review" && $0.textSHA256.count == 64 })
        #expect(logged.last?.textSHA256 == "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb")  // sha256("a")
    }

    /// The tiny fixture's expert of `task` as a file of version `version`.
    static func expertFile(_ tiny: TinyMoE, task: String, version: Int) throws -> [UInt8] {
        let expert = try #require(tiny.tasks.first { $0.name == task })
        var metadata = expert.metadata
        metadata.version = version
        return try ExpertFile.serialized(expert.with(metadata: metadata))
    }

    @Test func hotLoadsRollsBackAndDeletesExpertsWithoutARestart() throws {
        let tiny = try TinyMoE()
        let state = TestPaths.temporaryFolder("moecl-serve-experts")
        defer {
            tiny.remove()
            try? FileManager.default.removeItem(at: state)
        }
        let arguments = ["--model", tiny.modelPath, "--experts", try tiny.writeBundle(), "--state", state.path]
        let server = try Server(arguments: arguments)
        func version(_ task: String) throws -> Int? {
            let (_, body) = try server.json("POST", "/v1/classify", "{\"task\": \"\(task)\", \"text\": \"x\"}")
            return ((body["results"] as? [[String: Any]])?.first?["expert"] as? [String: Any])?["version"] as? Int
        }
        #expect(try version("spam") == 1)
        let v2 = try Self.expertFile(tiny, task: "spam", version: 2)
        let put = server.request("PUT", "/v1/experts/spam", raw: v2)
        #expect(put?.status == 201 && put?.body.contains("\"previous_version\":1") == true, "\(put?.body ?? "")")
        let (_, afterPut) = try server.json("GET", "/v1/experts")
        let spamEntry = (afterPut["tasks"] as? [[String: Any]])?.first { $0["task"] as? String == "spam" }
        #expect(spamEntry?["sha256"] as? String == FileDigest.sha256(v2))
        #expect(try version("spam") == 2)
        // The first upload rolls back to the bundle's expert; then there is nothing left to roll back.
        let toBundle = server.request("POST", "/v1/experts/spam/rollback")
        #expect(toBundle?.status == 200 && toBundle?.body.contains("\"version\":1") == true, "\(toBundle?.body ?? "")")
        #expect(try version("spam") == 1)
        #expect(server.request("POST", "/v1/experts/spam/rollback")?.status == 409)
        #expect(server.request("PUT", "/v1/experts/spam", raw: v2)?.status == 201)
        #expect(server.request("PUT", "/v1/experts/spam", raw: try Self.expertFile(tiny, task: "spam", version: 3))?.status == 201)
        #expect(try version("spam") == 3)
        let back = server.request("POST", "/v1/experts/spam/rollback")
        #expect(back?.status == 200 && back?.body.contains("\"version\":2") == true)
        #expect(try version("spam") == 2)
        // Bad uploads change nothing: truncated, garbage, another task's file.
        for (bytes, what) in [(Array(v2.prefix(v2.count / 2)), "truncated"), (Array("not an expert".utf8), "garbage"),
                              (try Self.expertFile(tiny, task: "hate", version: 9), "another task")] {
            let r = server.request("PUT", "/v1/experts/spam", raw: bytes)
            #expect(r?.status == 422 && r?.body.contains("validation_failed") == true, "\(what): \(r?.body ?? "")")
        }
        #expect(try version("spam") == 2)
        // Hot-loads survive a restart.
        #expect(server.stop() == 0)
        let restarted = try Server(arguments: arguments)
        var stopped = false
        defer { if !stopped { _ = restarted.stop() } }
        let (_, listed) = try restarted.json("GET", "/v1/experts")
        let spam = (listed["tasks"] as? [[String: Any]])?.first { $0["task"] as? String == "spam" }
        #expect(spam?["version"] as? Int == 2)
        #expect(restarted.request("DELETE", "/v1/experts/hate")?.status == 200)
        #expect(restarted.request("POST", "/v1/classify", body: "{\"task\": \"hate\", \"text\": \"x\"}")?.status == 404)
        #expect(restarted.request("DELETE", "/v1/experts/hate")?.status == 404)
        let metrics = restarted.request("GET", "/metrics")?.body ?? ""
        #expect(metrics.contains("moecl_experts_loaded{task=\"spam\",version=\"2\"} 1") && !metrics.contains("task=\"hate\",version"))
        stopped = true
        #expect(restarted.stop() == 0)
        // The deletion of a bundle's task survives a restart too, until the task is uploaded again.
        let third = try Server(arguments: arguments)
        defer { _ = third.stop() }
        #expect(third.request("POST", "/v1/classify", body: "{\"task\": \"hate\", \"text\": \"x\"}")?.status == 404)
        #expect(third.request("PUT", "/v1/experts/hate", raw: try Self.expertFile(tiny, task: "hate", version: 5))?.status == 201)
        #expect(third.request("POST", "/v1/classify", body: "{\"task\": \"hate\", \"text\": \"x\"}")?.status == 200)
    }

    @Test func thresholdsAreSetByHandOrCalibratedFromVerdictsAndPostedSamples() throws {
        let tiny = try TinyMoE()
        let state = TestPaths.temporaryFolder("moecl-serve-thresholds")
        defer {
            tiny.remove()
            try? FileManager.default.removeItem(at: state)
        }
        let server = try Server(arguments: ["--model", tiny.modelPath, "--experts", try tiny.writeBundle(), "--state", state.path,
                                            "--audit-rate", "0"])
        defer { _ = server.stop() }
        // No calibration yet: everything goes to review; humans label the items.
        let texts = (0..<8).map { "\"text \($0)\"" }.joined(separator: ", ")
        let (_, classified) = try server.json("POST", "/v1/classify", "{\"task\": \"spam\", \"texts\": [\(texts)]}")
        let ids = (classified["results"] as? [[String: Any]] ?? []).compactMap { $0["review_id"] as? Int }
        #expect(ids.count == 8)
        #expect(server.request("POST", "/v1/tasks/spam/calibrate", body: "{}")?.status == 422)
        for (k, id) in ids.enumerated() {
            let label = k % 2 == 0 ? "compliant" : "violating"
            #expect(server.request("POST", "/v1/review/\(id)/verdict", body: "{\"label\": \"\(label)\"}")?.status == 201)
        }
        let (status, calibrated) = try server.json("POST", "/v1/tasks/spam/calibrate", "{\"target_precision\": 0.5}")
        let calibration = try #require(calibrated["calibration"] as? [String: Any])
        #expect(status == 200 && calibration["samples"] as? Int == 8 && calibration["target_precision"] as? Double == 0.5)
        // Posted samples.
        let samples = "[{\"text\": \"a\", \"label\": \"compliant\"}, {\"text\": \"b b\", \"label\": \"violating\"}]"
        let (postedStatus, posted) = try server.json("POST", "/v1/tasks/spam/calibrate", "{\"samples\": \(samples)}")
        #expect(postedStatus == 200 && (posted["calibration"] as? [String: Any])?["samples"] as? Int == 2)
        #expect(server.request("POST", "/v1/tasks/spam/calibrate", body: "{\"samples\": [{\"text\": \"a\", \"label\": \"x\"}]}")?.status == 422)
        // By hand; the next classification uses them.
        let manual = server.request("PUT", "/v1/tasks/spam/thresholds", body: "{\"thresholds\": {\"compliant\": 0.25, \"violating\": 0.75}}")
        #expect(manual?.status == 200)
        let (_, after) = try server.json("POST", "/v1/classify", "{\"task\": \"spam\", \"text\": \"x\"}")
        let used = ((after["results"] as? [[String: Any]])?.first?["thresholds"] as? [String: Double])
        #expect(used == ["compliant": 0.25, "violating": 0.75])
        #expect(server.request("PUT", "/v1/tasks/spam/thresholds", body: "{\"thresholds\": {\"maybe\": 0.5}}")?.status == 422)
        #expect(server.request("PUT", "/v1/tasks/spam/thresholds", body: "{\"thresholds\": {\"compliant\": 2}}")?.status == 422)
        #expect(server.request("PUT", "/v1/tasks/nope/thresholds", body: "{\"thresholds\": {\"compliant\": 0.5}}")?.status == 404)
    }

    @Test func servesHTTPSWithACertificateAndKey() throws {
        let tiny = try TinyMoE()
        defer { tiny.remove() }
        let server = try Server(arguments: ["--model", tiny.modelPath, "--experts", try tiny.writeBundle(),
                                            "--tls-cert", TLSTestClient.fixtureCertificate, "--tls-key", TLSTestClient.fixtureKey])
        defer { _ = server.stop() }
        let client = try TLSTestClient(port: server.port, trusting: TLSTestClient.fixtureCertificate)
        client.send("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        #expect(client.response()?.status == 200)
        let body = "{\"task\": \"spam\", \"text\": \"hello\"}"
        client.send("POST /v1/classify HTTP/1.1\r\nHost: localhost\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
        let r = client.response()
        #expect(r?.status == 200 && r?.body.contains("\"task\":\"spam\"") == true, "\(r?.body ?? "")")
        #expect(server.request("GET", "/healthz")?.status == 400)  // plain HTTP on the HTTPS port
    }

    @Test func bearerTokensGuardRoutesByRoleAndPublicAddressesNeedAnAdminToken() throws {
        let tiny = try TinyMoE()
        let state = TestPaths.temporaryFolder("moecl-serve-auth")
        defer {
            tiny.remove()
            try? FileManager.default.removeItem(at: state)
        }
        let bundle = try tiny.writeBundle()
        let common = ["--model", tiny.modelPath, "--experts", bundle, "--state", state.path]
        let classifier = "c-0123456789abcdef", admin = "a-0123456789abcdef"
        let server = try Server(arguments: common + ["--token", "classify:\(classifier)", "--token", "admin:\(admin)"])
        defer { _ = server.stop() }
        func status(_ method: String, _ path: String, token: String?, body: String = "{}") -> Int? {
            guard let client = try? TestClient(port: server.port) else { return nil }
            let auth = token.map { "Authorization: Bearer \($0)\r\n" } ?? ""
            client.send("\(method) \(path) HTTP/1.1\r\nHost: t\r\n\(auth)Content-Length: \(body.utf8.count)\r\n\r\n\(body)")
            return client.response()?.status
        }
        let classify = "{\"task\": \"spam\", \"text\": \"x\"}"
        #expect(status("GET", "/healthz", token: nil) == 200)
        #expect(status("POST", "/v1/classify", token: nil, body: classify) == 401)
        #expect(status("POST", "/v1/classify", token: "wrong-0123456789ab", body: classify) == 401)
        #expect(status("POST", "/v1/classify", token: classifier, body: classify) == 200)
        #expect(status("POST", "/v1/review/claim", token: classifier) == 403)
        #expect(status("POST", "/v1/review/claim", token: admin) == 200)
        #expect(status("DELETE", "/v1/experts/hate", token: classifier) == 403)
        #expect(status("DELETE", "/v1/experts/hate", token: admin) == 200)
        // Every address but loopback needs an admin token; a short or unknown-role token is refused at start.
        for extra in [["--host", "0.0.0.0"], ["--token", "classify:short"], ["--token", "boss:0123456789abcdef"]] {
            let process = Process()
            process.executableURL = ClassifyInspectCommandTests.binary!
            process.arguments = ["serve", "--port", "0"] + common + extra
            let errors = Pipe()
            process.standardError = errors
            try process.run()
            let deadline = Date().addingTimeInterval(20)
            while process.isRunning && Date() < deadline { usleep(20_000) }
            if process.isRunning {
                process.terminate()
                Issue.record("moecl serve \(extra) should have refused to start")
            }
            process.waitUntilExit()
            let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            #expect(process.terminationStatus != 0 && (message.contains("admin token") || message.contains("role:token")), "\(message)")
        }
    }
}
