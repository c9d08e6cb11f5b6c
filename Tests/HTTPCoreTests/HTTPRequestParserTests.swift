// The request parser fed from byte arrays: framing, pipelining, 100-continue, and every malformed case.

import HTTPCore
import Testing

@Suite("HTTPRequestParser")
struct HTTPRequestParserTests {
    /// Every event the bytes give, fed in pieces of `piece` bytes (0: all at once).
    static func events(_ text: String, piece: Int = 0, limits: HTTPLimits = HTTPLimits()) throws -> [HTTPRequestParser
        .Event]
    {
        var parser = HTTPRequestParser(limits: limits)
        let bytes = Array(text.utf8)
        var result: [HTTPRequestParser.Event] = []
        let size = piece == 0 ? max(1, bytes.count) : piece
        var offset = 0
        repeat {
            parser.append(bytes[offset..<min(bytes.count, offset + size)])
            offset += size
            while let event = try parser.next() { result.append(event) }
        } while offset < bytes.count
        return result
    }

    static func requests(_ text: String, piece: Int = 0) throws -> [HTTPRequest] {
        try events(text, piece: piece).compactMap { if case .request(let r) = $0 { r } else { nil } }
    }

    /// The status of the error the bytes raise, or nil when they parse.
    static func status(_ text: String, limits: HTTPLimits = HTTPLimits()) -> HTTPStatus? {
        do {
            _ = try events(text, limits: limits)
            return nil
        } catch let error as HTTPParseError {
            return error.status
        } catch {
            Issue.record("unexpected error \(error)")
            return nil
        }
    }

    @Test func parsesAGetWithPathQueryAndHeaders() throws {
        let r = try #require(
            try Self.requests(
                "GET /v1/stats/reject-rate?task=spam&window=5m HTTP/1.1\r\nHost: x\r\nAccept:  */* \r\n\r\n"
            ).first)
        #expect(r.method == "GET" && r.version == .http11 && r.body.isEmpty)
        #expect(r.path == "/v1/stats/reject-rate" && r.query == "task=spam&window=5m")
        #expect(r.headers["accept"] == "*/*" && r.headers["HOST"] == "x")
        #expect(r.keepAlive)
    }

    /// Issue 15, finding 10: a chunk size with leading zeros (16 hex digits) was refused as too large.
    @Test func chunkSizesMayHaveLeadingZeros() throws {
        let text =
            "POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "0000000000000005\r\nhello\r\n00000000000000000000\r\n\r\n"
        let parsed = try Self.requests(text)
        #expect(parsed.count == 1 && String(decoding: parsed[0].body, as: UTF8.self) == "hello")
        // Sixteen significant digits are still too large.
        let huge = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n1000000000000000\r\n"
        #expect(Self.status(huge) == 413)
    }

    /// The requests and errors of one input do not depend on where it is split; only `continueExpected` may (it is
    /// yielded when the body has not arrived yet, which is the point of 100-continue). The fuzzer (Fuzz/,
    /// fuzz-http-parser) checks the same property on its inputs; this case is the first it raised.
    @Test func eventsDoNotDependOnWhereTheInputIsSplit() throws {
        let text = "TUT /v1/experts/spam HTTP/1.1\r\nHost:: a\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc"
        let bytes = Array(text.utf8)
        func events(_ pieces: [ArraySlice<UInt8>]) -> [String] {
            var parser = HTTPRequestParser()
            var out: [String] = []
            for piece in pieces {
                parser.append(piece)
                do {
                    while let event = try parser.next() {
                        if event != .continueExpected { out.append("\(event)") }
                    }
                } catch {
                    out.append("error \(error.status.code)")
                    return out
                }
            }
            return out
        }
        let whole = events([bytes[...]])
        for split in 0...bytes.count {
            #expect(events([bytes[..<split], bytes[split...]]) == whole, "split at \(split)")
        }
    }

    @Test func byteByByteFeedingGivesTheSameRequests() throws {
        let text =
            "POST /v1/classify HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nhello world"
            + "POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nTrailer: t\r\n\r\n"
        let whole = try Self.requests(text)
        #expect(whole.count == 2)
        #expect(whole.map { String(decoding: $0.body, as: UTF8.self) } == ["hello world", "hello world"])
        for piece in [1, 2, 7] { #expect(try Self.requests(text, piece: piece) == whole) }
    }

    @Test func pipelinedRequestsComeOutInOrder() throws {
        let text = (1...5).map { "GET /\($0) HTTP/1.1\r\nHost: h\r\n\r\n" }.joined()
        #expect(try Self.requests(text).map(\.target) == ["/1", "/2", "/3", "/4", "/5"])
    }

    @Test func keepAliveFollowsVersionAndConnection() throws {
        let close = try #require(try Self.requests("GET / HTTP/1.1\r\nHost: h\r\nConnection: Close\r\n\r\n").first)
        #expect(!close.keepAlive)
        let old = try #require(try Self.requests("GET / HTTP/1.0\r\n\r\n").first)
        #expect(old.version == .http10 && !old.keepAlive)
        let oldKept = try #require(try Self.requests("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").first)
        #expect(oldKept.keepAlive)
    }

    @Test func absoluteFormTargetsBecomeOriginForm() throws {
        #expect(try Self.requests("GET http://h:8080/a/b?c=1 HTTP/1.1\r\nHost: h\r\n\r\n").first?.target == "/a/b?c=1")
        #expect(try Self.requests("GET http://h HTTP/1.1\r\nHost: h\r\n\r\n").first?.target == "/")
        #expect(try Self.requests("GET http://h?q HTTP/1.1\r\nHost: h\r\n\r\n").first?.target == "/?q")
    }

    @Test func leadingEmptyLinesAndBareLFAreAccepted() throws {
        let r = try Self.requests("\r\n\nGET / HTTP/1.1\nHost: h\n\n")
        #expect(r.count == 1 && r[0].target == "/")
    }

    @Test func expectContinueIsAnnouncedOnlyWhileTheBodyIsMissing() throws {
        var parser = HTTPRequestParser()
        parser.append("POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n".utf8)
        #expect(try parser.next() == .continueExpected)
        #expect(try parser.next() == nil)
        #expect(parser.hasPartialRequest)
        parser.append("abc".utf8)
        guard case .request(let r)? = try parser.next() else { Issue.record("no request"); return }
        #expect(r.body == Array("abc".utf8))
        #expect(!parser.hasPartialRequest)
        // Body already here: no 100 Continue.
        let events = try Self.events(
            "POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc")
        #expect(events.count == 1)
        // No body expected: no 100 Continue.
        #expect(try Self.events("GET / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\n\r\n").count == 1)
    }

    @Test func partialRequestTracksUnfinishedBytes() throws {
        var parser = HTTPRequestParser()
        #expect(!parser.hasPartialRequest)
        parser.append("GET / HT".utf8)
        #expect(try parser.next() == nil)
        #expect(parser.hasPartialRequest && parser.bufferedBytes == 8)
    }

    @Test(arguments: [
        ("garbage bytes", "\u{01}\u{02}\u{03} \u{7f}\r\n\r\n", 400),
        ("no version", "GET /\r\n\r\n", 400),
        ("extra spaces", "GET  / HTTP/1.1\r\nHost: h\r\n\r\n", 400),
        ("lower-case version", "GET / http/1.1\r\nHost: h\r\n\r\n", 400),
        ("HTTP/2.0", "GET / HTTP/2.0\r\nHost: h\r\n\r\n", 505),
        ("relative target", "GET v1 HTTP/1.1\r\nHost: h\r\n\r\n", 400),
        ("missing Host", "GET / HTTP/1.1\r\n\r\n", 400),
        ("two Hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),
        ("folded header", "GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n b\r\n\r\n", 400),
        ("space before colon", "GET / HTTP/1.1\r\nHost : h\r\n\r\n", 400),
        ("no colon", "GET / HTTP/1.1\r\nHost h\r\n\r\n", 400),
        ("bare CR", "GET / HTTP/1.1\r\nHost: h\rX: y\r\n\r\n", 400),
        ("NUL in a value", "GET / HTTP/1.1\r\nHost: h\u{0}\r\n\r\n", 400),
        ("CL and TE", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
        ("conflicting CL", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n", 400),
        ("negative CL", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n", 400),
        ("CL with a sign", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: +3\r\n\r\nabc", 400),
        ("huge CL", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999999\r\n\r\n", 400),
        ("gzip coding", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501),
        ("chunked twice", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", 400),
        ("bad chunk size", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400),
        ("empty chunk size", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n\r\n", 400),
        (
            "chunk longer than its size",
            "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n", 400
        ),
        (
            "chunk size overflow",
            "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n", 413
        ),
        ("other expectation", "POST / HTTP/1.1\r\nHost: h\r\nExpect: 200-ok\r\nContent-Length: 1\r\n\r\nx", 417),
    ])
    func malformedRequestsGetTheirStatus(name: String, text: String, status: Int) {
        #expect(Self.status(text) == HTTPStatus(status), "\(name)")
    }

    @Test func limitsFailAsSoonAsTheyAreExceeded() throws {
        var limits = HTTPLimits()
        limits.maxRequestLineBytes = 32
        limits.maxHeaderCount = 3
        limits.maxHeaderBytes = 64
        limits.maxBodyBytes = 10
        // A request line over the limit fails before its end arrives.
        var parser = HTTPRequestParser(limits: limits)
        parser.append(("GET /" + String(repeating: "a", count: 40)).utf8)
        #expect(throws: HTTPParseError.requestLineTooLong(limit: 32)) { try parser.next() }
        // Poisoned: the same error again, whatever follows.
        parser.append(" HTTP/1.1\r\n\r\n".utf8)
        #expect(throws: HTTPParseError.requestLineTooLong(limit: 32)) { try parser.next() }
        #expect(Self.status("GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", limits: limits) == 431)
        #expect(
            Self.status(
                "GET / HTTP/1.1\r\nHost: h\r\nA: " + String(repeating: "x", count: 70) + "\r\n\r\n", limits: limits)
                == 431)
        // The body limit: by Content-Length before the body arrives, and by the sum of chunks.
        var body = HTTPRequestParser(limits: limits)
        body.append("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\n".utf8)
        #expect(throws: HTTPParseError.bodyTooLarge(limit: 10)) { try body.next() }
        #expect(
            Self.status(
                "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "6\r\nabcdef\r\n5\r\nabcde\r\n0\r\n\r\n",
                limits: limits) == 413)
        #expect(
            Self.status("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n0123456789", limits: limits) == nil)
        // Trailers count towards the header limits.
        #expect(
            Self.status(
                "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n",
                limits: limits) == 431)
    }

    @Test func errorsCarryCodesAndMessages() {
        let e = HTTPParseError.bodyTooLarge(limit: 10)
        #expect(e.code == "body_too_large" && e.description.contains("10 bytes"))
        #expect(HTTPParseError.unsupportedVersion("HTTP/2.0").description.contains("HTTP/1.1"))
    }
}
