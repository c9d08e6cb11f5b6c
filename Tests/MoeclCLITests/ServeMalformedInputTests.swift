// Malformed input against the real `moecl serve`: every case gets its status (or a timeout) as a JSON error,
// and the server keeps serving afterwards.

import Foundation
import TestSupport
import Testing

@Suite("moecl serve malformed input (binary)")
struct ServeMalformedInputTests {
    @Test func eachMalformedRequestGetsItsStatusAndTheServerKeepsServing() throws {
        let tiny = try TinyMoE()
        defer { tiny.remove() }
        let server = try ServeCommandTests.Server(arguments: [
            "--model", tiny.modelPath, "--experts", try tiny.writeBundle(),
            "--max-body-bytes", "2048", "--header-timeout", "2",
            "--max-request-line-bytes", "4096", "--max-headers", "50",
            "--max-header-bytes", "16384",
        ])
        defer { _ = server.stop() }
        // Each just over the limits set above (and under the defaults, so the flags are what refuses them).
        let longTarget = "/v1/classify?" + String(repeating: "q", count: 5000)
        let manyHeaders = (0..<60).map { "X-H\($0): v\r\n" }.joined()
        let bigHeader = "X-Big: " + String(repeating: "b", count: 20_000) + "\r\n"
        let cases: [(String, [UInt8], Int)] = [
            ("garbage bytes", [0x00, 0xFF, 0x13, 0x37, 0x0D, 0x0A, 0x0D, 0x0A], 400),
            ("request line over the limit", Array("GET \(longTarget) HTTP/1.1\r\nHost: t\r\n\r\n".utf8), 414),
            ("too many headers", Array("GET /healthz HTTP/1.1\r\nHost: t\r\n\(manyHeaders)\r\n".utf8), 431),
            ("a header block over the limit", Array("GET /healthz HTTP/1.1\r\nHost: t\r\n\(bigHeader)\r\n".utf8), 431),
            (
                "a body over the limit",
                Array("POST /v1/classify HTTP/1.1\r\nHost: t\r\nContent-Length: 4096\r\n\r\n".utf8), 413
            ),
            (
                "a chunked body over the limit",
                Array("POST /v1/classify HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n1000\r\n".utf8)
                    + [UInt8](repeating: 0x61, count: 4096), 413
            ),
            (
                "a chunk size that is not hex",
                Array("POST /v1/classify HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n".utf8), 400
            ),
            (
                "a negative content length",
                Array("POST /v1/classify HTTP/1.1\r\nHost: t\r\nContent-Length: -5\r\n\r\n".utf8), 400
            ),
            (
                "two different content lengths",
                Array("POST /v1/classify HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}".utf8),
                400
            ),
            ("invalid JSON", Self.post("{\"task\": [", contentType: "application/json"), 400),
            (
                "invalid UTF-8",
                Self.post(Array("{\"task\": \"spam\", \"text\": \"".utf8) + [0xC3, 0x28] + Array("\"}".utf8)), 400
            ),
            ("unknown task", Self.post(Array("{\"task\": \"nope\", \"text\": \"x\"}".utf8)), 404),
            ("a corrupt expert upload", Self.request("PUT", "/v1/experts/spam", Array("safetensors? no".utf8)), 422),
            // Booleans are not numbers, and a field of the wrong type is an error, never a silent default.
            (
                "a boolean limit",
                Self.request(
                    "POST", "/v1/review/claim", Array("{\"limit\": true}".utf8), contentType: "application/json"), 422
            ),
            (
                "a boolean lease",
                Self.request(
                    "POST", "/v1/review/claim", Array("{\"lease_seconds\": true}".utf8), contentType: "application/json"
                ), 422
            ),
            (
                "a fractional limit",
                Self.request(
                    "POST", "/v1/review/claim", Array("{\"limit\": 2.5}".utf8), contentType: "application/json"), 422
            ),
            (
                "a boolean threshold",
                Self.request(
                    "PUT", "/v1/tasks/spam/thresholds", Array("{\"thresholds\": {\"violating\": true}}".utf8),
                    contentType: "application/json"), 422
            ),
            (
                "a target precision out of range",
                Self.request(
                    "PUT", "/v1/tasks/spam/thresholds",
                    Array("{\"thresholds\": {\"violating\": 0.5}, \"target_precision\": 5}".utf8),
                    contentType: "application/json"), 422
            ),
            (
                "a target precision that is text",
                Self.request(
                    "POST", "/v1/tasks/spam/calibrate",
                    Array(
                        "{\"samples\": [{\"text\": \"a\", \"label\": \"compliant\"}], \"target_precision\": \"high\"}"
                            .utf8), contentType: "application/json"), 422
            ),
            (
                "a body that is not JSON by its type",
                Self.request("POST", "/v1/classify", Array("{}".utf8), contentType: "text/csv"), 415
            ),
            (
                "moderation tasks that are not an array",
                Self.request(
                    "POST", "/v1/moderations", Array("{\"input\": \"hi\", \"tasks\": \"spam\"}".utf8),
                    contentType: "application/json"), 422
            ),
        ]
        for (what, bytes, status) in cases {
            let client = try TestClient(port: server.port)
            client.send(bytes)
            let r = client.response()
            #expect(
                r?.status == status && r?.body.hasPrefix("{\"error\":{\"code\":") == true,
                "\(what): \(r?.status ?? 0) \(r?.body ?? "no answer")")
            #expect(server.request("GET", "/healthz")?.status == 200, "serving after \(what)")
        }
        // An upload error names what was uploaded, never a path on the server.
        let upload = try TestClient(port: server.port)
        upload.send(Self.request("PUT", "/v1/experts/spam", Array("safetensors? no".utf8)))
        let uploadError = upload.response()?.body ?? ""
        #expect(!uploadError.contains("/") || !uploadError.contains(".tmp"), "\(uploadError)")
        #expect(uploadError.contains("the uploaded file") || uploadError.contains("not usable"), "\(uploadError)")
        // A client sending one byte a second: 408 once the header timeout (2 s) passes; others are served meanwhile.
        let slow = try TestClient(port: server.port, timeout: 10)
        let start = Date()
        var answer: (status: Int, headers: [String: String], body: String)?
        for byte in Array("POST /v1/classify HTTP/1.1\r\nHost: t\r\n".utf8) {
            slow.send([byte])
            #expect(server.request("GET", "/healthz")?.status == 200)
            if Date().timeIntervalSince(start) > 3.5 { answer = slow.response(); break }
            sleep(1)
        }
        #expect(answer?.status == 408 && answer?.body.contains("request_timeout") == true)
        let (status, _) = try server.json("POST", "/v1/classify", "{\"task\": \"spam\", \"text\": \"still fine\"}")
        #expect(status == 200)
    }

    static func post(_ body: [UInt8], contentType: String = "application/json") -> [UInt8] {
        request("POST", "/v1/classify", body, contentType: contentType)
    }

    static func post(_ body: String, contentType: String) -> [UInt8] {
        post(Array(body.utf8), contentType: contentType)
    }

    static func request(
        _ method: String, _ path: String, _ body: [UInt8], contentType: String = "application/octet-stream"
    ) -> [UInt8] {
        let head =
            "\(method) \(path) HTTP/1.1\r\nHost: t\r\nContent-Type: \(contentType)\r\n"
            + "Content-Length: \(body.count)\r\n\r\n"
        return Array(head.utf8) + body
    }
}
