// Issue 15, finding 3 (second part): under a storm of reconnects at the connection cap, a normal client that the
// server had not read yet became the longest-waiting connection and was evicted unread (5 of 54 probes of
// scripts/abuse/abuse.py). The policy now never evicts a connection the server is behind on.

import Dispatch
import Foundation
import HTTPCore
import HTTPServer
import TestSupport
import Testing

@Suite("Which connection is evicted at the cap")
struct EvictionPolicyTests {
    typealias Candidate = EvictionPolicy.Candidate

    private func at(_ milliseconds: UInt64) -> DispatchTime {
        DispatchTime(uptimeNanoseconds: milliseconds * 1_000_000)
    }

    @Test func theConnectionThatHasWaitedLongestOnItsClientGoes() {
        let candidates = [
            Candidate(waitingSince: at(300), reading: true),
            Candidate(waitingSince: at(100), reading: true),
            Candidate(waitingSince: at(200), reading: true),
        ]
        #expect(EvictionPolicy.victim(among: candidates, hasUnreadInput: { _ in false }) == 1)
    }

    /// The finding: the oldest connection has a request waiting in the kernel that the server has not read.
    @Test func aConnectionWhoseBytesTheServerHasNotReadIsKept() {
        let candidates = [
            Candidate(waitingSince: at(100), reading: true),  // a new client, its request not read yet
            Candidate(waitingSince: at(200), reading: true),  // a slowloris
        ]
        var asked: [Int] = []
        let victim = EvictionPolicy.victim(among: candidates) { i in
            asked.append(i)
            return i == 0
        }
        #expect(victim == 1)
        #expect(asked == [0, 1])
    }

    /// A client that pipelines and does not read its answers is not being read (backpressure), so the requests it
    /// queued in the kernel do not protect it.
    @Test func aClientThatDoesNotReadItsAnswersIsNotProtectedByItsQueuedRequests() {
        let candidates = [
            Candidate(waitingSince: at(100), reading: false),
            Candidate(waitingSince: at(200), reading: true),
        ]
        var asked: [Int] = []
        let victim = EvictionPolicy.victim(among: candidates) { i in
            asked.append(i)
            return true
        }
        #expect(victim == 0)
        #expect(asked.isEmpty, "only connections being read are peeked")
    }

    @Test func connectionsWithARequestInTheHandlerOrUnreadInputAreNeverEvicted() {
        let candidates = [
            Candidate(waitingSince: nil, reading: false),
            Candidate(waitingSince: at(100), reading: true),
        ]
        #expect(EvictionPolicy.victim(among: candidates, hasUnreadInput: { _ in true }) == nil)
        #expect(EvictionPolicy.victim(among: [], hasUnreadInput: { _ in false }) == nil)
    }

    /// The accept loop reads a new client's first bytes; a whole first message means the server owes it work.
    @Test func aWholeFirstMessageIsTold() {
        func holds(_ text: String, tls: Bool = false) -> Bool {
            EvictionPolicy.holdsCompleteFirstMessage(Array(text.utf8)[...], tls: tls)
        }
        #expect(holds("POST /v1/classify HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\n{}"))
        #expect(holds("GET / HTTP/1.1\r\n\r\n"))
        #expect(!holds("GET / HTTP/1.1\r\nHost: a\r\nX-Slow: "), "a slowloris's prefix")
        #expect(!holds("\r\n\r"))
        let record: [UInt8] = [0x16, 0x03, 0x01, 0x00, 0x03, 1, 2, 3]
        #expect(EvictionPolicy.holdsCompleteFirstMessage(record[...], tls: true))
        #expect(!EvictionPolicy.holdsCompleteFirstMessage(record[..<7], tls: true), "a trickled handshake")
        #expect(!EvictionPolicy.holdsCompleteFirstMessage([0x16][...], tls: true))
        #expect(!EvictionPolicy.holdsCompleteFirstMessage([0x47, 0x45, 0x54, 0x20, 0x2f, 0x20][...], tls: true))
    }
}

/// The accept loop reads a new client's first bytes before the connection starts reading: what arrives next must
/// be parsed after them. Here the head is read at accept and the body, sent a little later, by the connection.
/// (A simulation once got a 400 from a race on this path: the connection's read source was resumed before the
/// first bytes were queued for parsing, so a body arriving in between was parsed first. The window was too narrow
/// to hit in a test; the fix makes the order structural: both run on the connection's queue, first bytes first.)
@Suite("HTTPServer: first bytes read at accept")
struct FirstBytesTests {
    @Test func aRequestSentInTwoWritesAtOnceIsParsedInOrder() throws {
        var configuration = HTTPServerConfiguration()
        configuration.port = 0
        let server = HTTPServer(configuration: configuration) { request, responder in
            responder.respond(
                HTTPResponse(status: .ok, headers: HTTPHeaders([("Content-Type", "text/plain")]), body: request.body))
        }
        try server.start()
        defer { server.shutdown(deadline: 1) }
        let body = String(repeating: "x", count: 700)
        var bad: [Int] = []
        for i in 0..<300 {
            let client = try TestClient(port: server.port, timeout: 5)
            client.send("POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n")
            if i % 2 == 1 { usleep(2_000) }  // odd rounds: the body comes after the accept loop's read
            client.send(body)
            let response = client.rawResponse()
            if response?.status != 200 || response?.body.count != body.count { bad.append(i) }
        }
        #expect(bad.isEmpty, "\(bad.count) of 300 answered wrongly")
    }
}
