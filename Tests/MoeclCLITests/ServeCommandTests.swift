// The real `moecl serve` binary over loopback, for what needs a process: a smoke test, signals, TLS; the Server
// helper is shared with the crash, replica and malformed-input suites.

import Foundation
import ModelFormats
import MoELoRA
import ServiceStore
import TestSupport
import Testing

@Suite("moecl serve (binary)")
struct ServeCommandTests {
    /// A running server process and its port.
    final class Server: @unchecked Sendable {  // safe: clients on other threads only read the immutable `port`
        let process = Process()
        let port: UInt16

        /// A state folder made for this server when the test gave none (never the repository's own `state/`).
        let ownState: URL?

        init(arguments: [String]) throws {
            process.executableURL = try ClassifyInspectCommandTests.requireBinary()
            ownState = arguments.contains("--state") ? nil : TestPaths.temporaryFolder("moecl-serve-own-state")
            process.arguments =
                ["serve", "--port", "0", "--threads", "1"] + arguments + (ownState.map { ["--state", $0.path] } ?? [])
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
                let port = UInt16(text[range.upperBound...].prefix { $0.isNumber })
            else {
                process.terminate()
                throw POSIXError(.EINVAL)
            }
            self.port = port
        }

        /// One request on a fresh connection.
        func request(_ method: String, _ path: String, body: String? = nil, raw: [UInt8]? = nil)
            -> (status: Int, headers: [String: String], body: String)?
        {
            guard let client = try? TestClient(port: port) else { return nil }
            var text = "\(method) \(path) HTTP/1.1\r\nHost: t\r\n"
            let bytes = raw ?? Array((body ?? "").utf8)
            if body != nil || raw != nil {
                text += "Content-Type: application/json\r\nContent-Length: \(bytes.count)\r\n"
            }
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

    /// The smoke test of the binary: it starts, serves, refuses to start unsafely, and stops on SIGTERM with 0.
    /// Every route's behaviour is tested in-process (ModerationServiceTests).
    @Test func startsServesAndStopsCleanlyOnSIGTERM() throws {
        let tiny = try TinyMoE()
        defer { tiny.remove() }
        let bundle = try tiny.writeBundle()
        let server = try Server(arguments: ["--model", tiny.modelPath, "--experts", bundle, "--log-format", "json"])
        var stopped = false
        defer { if !stopped { _ = server.stop() } }
        #expect(server.request("GET", "/healthz")?.status == 200)
        var ready = 0
        for _ in 0..<100 where ready != 200 {
            ready = server.request("GET", "/readyz")?.status ?? 0
            if ready != 200 { usleep(50_000) }
        }
        #expect(ready == 200)
        let (status, single) = try server.json(
            "POST", "/v1/classify", "{\"task\": \"spam\", \"text\": \"hello world\"}")
        #expect(status == 200 && (single["results"] as? [[String: Any]])?.count == 1)
        #expect(server.request("GET", "/v1/nothing")?.status == 404)
        let garbage = try TestClient(port: server.port)
        garbage.send([0x16, 0x03, 0x01, 0x00, 0x0D, 0x0A, 0x0D, 0x0A])
        #expect(garbage.response()?.status == 400)
        #expect(server.request("GET", "/healthz")?.status == 200)
        stopped = true
        #expect(server.stop() == 0)
        // A public address without an admin token is refused at start, with a message that says what to do.
        let process = Process()
        process.executableURL = try ClassifyInspectCommandTests.requireBinary()
        process.arguments = [
            "serve", "--port", "0", "--model", tiny.modelPath, "--experts", bundle, "--host", "0.0.0.0",
        ]
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus != 0 && message.contains("admin token"), "\(message)")
    }

    /// The tiny fixture's expert of `task` as a file of version `version`.
    static func expertFile(_ tiny: TinyMoE, task: String, version: Int) throws -> [UInt8] {
        let expert = try #require(tiny.tasks.first { $0.name == task })
        var metadata = expert.metadata
        metadata.version = version
        return try ExpertFile.serialized(expert.with(metadata: metadata))
    }

    @Test func servesHTTPSWithACertificateAndKey() throws {
        let tiny = try TinyMoE()
        defer { tiny.remove() }
        let server = try Server(arguments: [
            "--model", tiny.modelPath, "--experts", try tiny.writeBundle(),
            "--tls-cert", TLSTestClient.fixtureCertificate, "--tls-key", TLSTestClient.fixtureKey,
        ])
        defer { _ = server.stop() }
        let client = try TLSTestClient(port: server.port, trusting: TLSTestClient.fixtureCertificate)
        client.send("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        #expect(client.response()?.status == 200)
        let body = "{\"task\": \"spam\", \"text\": \"hello\"}"
        client.send(
            "POST /v1/classify HTTP/1.1\r\nHost: localhost\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
        let r = client.response()
        #expect(r?.status == 200 && r?.body.contains("\"task\":\"spam\"") == true, "\(r?.body ?? "")")
        #expect(server.request("GET", "/healthz")?.status == 400)  // plain HTTP on the HTTPS port
    }
}
