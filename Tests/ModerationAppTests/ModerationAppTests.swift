// The application's lifecycle on a tiny model: what it refuses to start with, start, readiness, graceful stop.

import Foundation
import Logging
import ModerationApp
import TestSupport
import Testing

@Suite("Moderation app")
struct ModerationAppTests {
    static func settings(_ tiny: TinyMoE, state: URL) throws -> ServeSettings {
        var settings = ServeSettings()
        settings.model = tiny.modelPath
        settings.experts = try tiny.writeBundle()
        settings.state = state.path
        settings.port = 0
        settings.threads = 1
        return settings
    }

    @Test func refusesUnsafeOrUnusableSettingsBeforeLoadingAnything() throws {
        let tiny = try TinyMoE()
        let state = TestPaths.temporaryFolder("moecl-app-state")
        defer {
            tiny.remove()
            try? FileManager.default.removeItem(at: state)
        }
        let good = try Self.settings(tiny, state: state)
        var cases: [(ServeSettings, String)] = []
        var host = good
        host.host = "0.0.0.0"
        cases.append((host, "admin token"))
        var short = good
        short.tokens = ["classify:short"]
        cases.append((short, "role:token"))
        var role = good
        role.tokens = ["boss:0123456789abcdef"]
        cases.append((role, "role:token"))
        var file = good
        file.tokensFile = state.appendingPathComponent("none").path
        cases.append((file, "cannot read the tokens file"))
        var model = good
        model.model = state.appendingPathComponent("no-model").path
        cases.append((model, "pass --model DIR"))
        for (settings, message) in cases {
            do {
                _ = try ModerationApp(settings: settings)
                Issue.record("started with \(settings)")
            } catch {
                #expect("\(error)".contains(message), "\(error)")
            }
        }
        // With an admin token a public address is fine.
        var public_ = host
        public_.tokens = ["admin:0123456789abcdef"]
        #expect(throws: Never.self) { _ = try ModerationApp(settings: public_) }
    }

    @Test func startsBecomesReadyAndStopsGracefully() throws {
        let tiny = try TinyMoE()
        let state = TestPaths.temporaryFolder("moecl-app-state")
        defer {
            tiny.remove()
            try? FileManager.default.removeItem(at: state)
        }
        let app = try ModerationApp(settings: try Self.settings(tiny, state: state))
        #expect(app.port == 0 && !app.isReady)
        try app.start()
        #expect(app.port > 0)
        let deadline = Date().addingTimeInterval(20)
        while !app.isReady && Date() < deadline { usleep(10_000) }
        #expect(app.isReady)
        #expect(app.stop(deadline: 5))
        #expect(FileManager.default.fileExists(atPath: state.appendingPathComponent("moecl.sqlite").path))
        // Issue 15, finding 8: a start-up failure after the engine started (the port in use) ends promptly with
        // an error, and the half-started app stops cleanly.
        let first = try ModerationApp(settings: try Self.settings(tiny, state: state))
        try first.start()
        var clash = try Self.settings(tiny, state: TestPaths.temporaryFolder("moecl-app-clash"))
        clash.port = first.port
        let second = try ModerationApp(settings: clash)
        let began = Date()
        #expect(throws: (any Error).self) { try second.start() }
        #expect(Date().timeIntervalSince(began) < 5)
        #expect(second.stop(deadline: 1))
        #expect(first.stop(deadline: 5))
        try? FileManager.default.removeItem(atPath: clash.state)
        // The port is free again: a second app on the same state starts and stops.
        let again = try ModerationApp(settings: try Self.settings(tiny, state: state))
        try again.start()
        #expect(again.stop(deadline: 5))
    }

    @Test func logLinesAreTextOrJSONWithMetadata() throws {
        let text = LogLineHandler.line(
            time: "T", level: .error, label: "moecl.service", message: "unexpected error",
            fields: ["request_id": "r1", "route": "GET /x"], format: .text)
        #expect(text == "T error moecl.service: unexpected error request_id=r1 route=GET /x\n")
        let json = LogLineHandler.line(
            time: "T", level: .info, label: "moecl.app", message: "say \"hi\"",
            fields: ["request_id": "r1"], format: .json)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: String])
        #expect(
            object == [
                "time": "T", "level": "info", "logger": "moecl.app", "message": "say \"hi\"", "request_id": "r1",
            ])
        #expect(json.hasSuffix("}\n") && json.filter { $0 == "\n" }.count == 1)
        let plain = LogLineHandler.line(
            time: "T", level: .notice, label: "moecl.eval", message: "note: x", fields: [:], format: .plain)
        #expect(plain == "note: x\n")
        // A handler writes each event as one line through its writer, with the logger's and the event's metadata.
        let lines = LockedLines()
        var log = Logger(label: "moecl.test") {
            LogLineHandler(label: $0, level: .info, format: .text, write: lines.append)
        }
        log[metadataKey: "replica"] = "a"
        log.debug("hidden")
        log.warning("shown", metadata: ["request_id": "r2"])
        let written = lines.all
        #expect(
            written.count == 1 && written[0].hasSuffix(" warning moecl.test: shown replica=a request_id=r2\n"),
            "\(written)")
        #expect(written[0].hasPrefix("20") && written[0].contains("Z warning"))
    }
}

/// Lines collected from several threads.
final class LockedLines: @unchecked Sendable {  // safe: `lines` is only touched under `lock`
    private let lock = NSLock()
    private var lines: [String] = []

    var append: @Sendable (String) -> Void { { [self] line in lock.withLock { lines.append(line) } } }
    var all: [String] { lock.withLock { lines } }
}
