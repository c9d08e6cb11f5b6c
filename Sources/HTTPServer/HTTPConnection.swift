// One client connection: reads into the parser, hands requests to the handler one at a time (pipelining-safe),
// writes responses without blocking, and enforces the timeouts.

import Dispatch
import Foundation
import HTTPCore
#if canImport(Glibc)
    import Glibc
#endif

/// A connection's state machine. Every mutable property is touched only on `queue` (a serial queue), which is
/// why the class can be `@unchecked Sendable`.
final class HTTPConnection: @unchecked Sendable {
    let fd: Int32
    /// The client's IPv4 address (network byte order), for the per-client limit.
    let peer: UInt32
    let queue: DispatchQueue
    let configuration: HTTPServerConfiguration
    let handler: HTTPHandler
    let onClose: @Sendable (HTTPConnection) -> Void
    private var parser: HTTPRequestParser
    /// The TLS session when the server speaks HTTPS; nil for plain HTTP.
    private var tls: TLSSession?
    private var tlsChecked = false
    private let readSource: DispatchSourceRead
    private let writeSource: DispatchSourceWrite
    private let timer: DispatchSourceTimer
    private var readSuspended = false, writeSuspended = true
    private var output: [UInt8] = [], written = 0
    /// Receive buffer, reused for every read.
    private var chunk = [UInt8](repeating: 0, count: 64 * 1024)
    /// What the accept loop read before `start`; consumed first.
    private var primed: ArraySlice<UInt8> = []
    /// Waiting for the handler's response to request number `sequence`.
    private var busy = false, sequence = 0
    private var closeAfterWrite = false, closed = false, draining = false
    private var requestStarted: DispatchTime?, bodyStarted: DispatchTime?
    private var lastActivity = DispatchTime.now(), writeStalledSince: DispatchTime?
    /// When the connection was accepted, and whether any byte has arrived since: a silent connection gets the
    /// header timeout from its start, not the idle timeout.
    private let connectedAt = DispatchTime.now()
    private var receivedAny = false
    /// When the TLS handshake's first byte arrived: the handshake must finish within the header timeout of it.
    private var handshakeStarted: DispatchTime?

    /// What the eviction policy sees: since when this connection has waited on its client (nil while a request
    /// is in the handler) and whether it is being read. Written on `queue`, read from the accept queue.
    private let eviction = LockedBox(EvictionPolicy.Candidate(waitingSince: .now(), reading: true))
    var evictionCandidate: EvictionPolicy.Candidate { eviction.withLock { $0 } }

    /// Whether the client has sent bytes that the server has not read yet (peeked without blocking).
    func hasUnreadInput() -> Bool {
        var byte: UInt8 = 0
        return recv(fd, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT)) > 0
    }

    init(
        fd: Int32, peer: UInt32 = 0, configuration: HTTPServerConfiguration, target: DispatchQueue,
        handler: @escaping HTTPHandler,
        onClose: @escaping @Sendable (HTTPConnection) -> Void
    ) {
        self.fd = fd
        self.peer = peer
        self.configuration = configuration
        self.handler = handler
        self.onClose = onClose
        queue = DispatchQueue(label: "moecl.http.connection", target: target)
        parser = HTTPRequestParser(limits: configuration.limits)
        tls = try? configuration.tls?.session()
        readSource = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        writeSource = DispatchSource.makeWriteSource(fileDescriptor: fd, queue: queue)
        timer = DispatchSource.makeTimerSource(queue: queue)
    }

    /// Starts reading; called once after init.
    func start() {
        let cancelled = DispatchGroup()
        for source in [readSource, writeSource, timer] as [DispatchSourceProtocol] {
            cancelled.enter()
            source.setCancelHandler { cancelled.leave() }
        }
        let fd = self.fd
        cancelled.notify(queue: queue) { [self] in
            Glibc.close(fd)
            onClose(self)
        }
        readSource.setEventHandler { [self] in readAvailable() }
        writeSource.setEventHandler { [self] in flush() }
        timer.setEventHandler { [self] in checkTimeouts() }
        let tick = max(0.05, min(configuration.headerTimeout, configuration.idleTimeout, configuration.bodyTimeout) / 4)
        timer.schedule(deadline: .now() + tick, repeating: tick)
        // On the connection's queue: the bytes the accept loop read go to the parser before any later read can
        // (a read event is handled on this queue too, so none runs before this block ends).
        queue.async { [self] in
            readSource.resume()
            timer.resume()
            guard !primed.isEmpty else { return }
            let bytes = primed
            primed = []
            receive(bytes)
        }
    }

    /// Graceful shutdown: an idle connection closes now, a busy one after its current response.
    func drain() {
        queue.async { [self] in
            draining = true
            if !busy && output.isEmpty && !parser.hasPartialRequest { close() }
        }
    }

    /// Closes at once (the shutdown deadline passed).
    func forceClose() { queue.async { [self] in close() } }

    // MARK: Reading

    /// Takes the bytes the accept loop read before `start`. Called once, before `start`, on the accept queue
    /// (nothing else touches the connection yet). When they hold a complete first message, the server owes this
    /// client work, and the connection is not evicted until it has been served (`EvictionPolicy`).
    func prime(with bytes: ArraySlice<UInt8>) {
        guard !bytes.isEmpty else { return }
        primed = bytes
        if EvictionPolicy.holdsCompleteFirstMessage(bytes, tls: configuration.tls != nil) {
            eviction.withLock { $0.waitingSince = nil }
        }
    }

    private func readAvailable() {
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n > 0 {
            receive(chunk[0..<n])
        } else if n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            // The peer closed (or the socket failed): nothing more can arrive.
            if busy || !output.isEmpty { closeAfterWrite = true; suspendReading() } else { close() }
        }
    }

    private func receive(_ bytes: ArraySlice<UInt8>) {
        lastActivity = .now()
        receivedAny = true
        if configuration.tls == nil {
            parser.append(bytes)
            if requestStarted == nil && parser.hasPartialRequest { requestStarted = .now() }
            processInput()
        } else {
            receiveTLS(bytes)
        }
        // Waiting on the client again, counted from its last byte, unless a request is now in the handler.
        if !busy { eviction.withLock { $0.waitingSince = lastActivity } }
    }

    /// Decrypts received bytes into the parser; answers plain HTTP on the TLS port with a readable 400.
    private func receiveTLS(_ bytes: ArraySlice<UInt8>) {
        if !tlsChecked {
            tlsChecked = true
            handshakeStarted = .now()
            // Every TLS connection opens with a handshake record (content type 22).
            guard bytes.first == 0x16 else {
                closeAfterWrite = true
                suspendReading()
                output += HTTPResponse.jsonError(
                    status: 400, code: "tls_required",
                    message: "this port speaks HTTPS only; use https://"
                ).encoded(keepAlive: false)
                return flush()
            }
        }
        guard let tls else { return close() }
        do {
            let received = try tls.receive(bytes)
            output += tls.pendingOutput()  // handshake replies
            switch received {
            case .closed:
                if busy || !output.isEmpty { closeAfterWrite = true; suspendReading(); flush() } else { close() }
                return
            case .plaintext(let plaintext):
                flush()
                guard !plaintext.isEmpty else { return }
                parser.append(plaintext[...])
            }
        } catch {
            // A failed handshake cannot carry an HTTP answer: send OpenSSL's alert, then close.
            output += tls.pendingOutput()
            closeAfterWrite = true
            suspendReading()
            return flush()
        }
        if requestStarted == nil && parser.hasPartialRequest { requestStarted = .now() }
        processInput()
    }

    /// Gives the handler the next buffered request while none is in flight.
    private func processInput() {
        while !busy && !closed && !closeAfterWrite {
            let event: HTTPRequestParser.Event?
            do {
                event = try parser.next()
            } catch {
                fail(HTTPResponse.jsonError(status: error.status, code: error.code, message: error.description))
                return
            }
            switch event {
            case nil:
                if parser.isReadingBody && bodyStarted == nil { bodyStarted = .now() }
                return
            case .continueExpected?:
                bodyStarted = .now()
                enqueue(HTTPResponse.continueBytes)
            case .request(let request)?:
                dispatch(request)
            }
        }
    }

    private func dispatch(_ request: HTTPRequest) {
        busy = true
        eviction.withLock { $0.waitingSince = nil }
        sequence += 1
        requestStarted = parser.hasPartialRequest ? .now() : nil
        bodyStarted = nil
        suspendReading()  // pipelined requests wait in the kernel until this one is answered
        let number = sequence, keepAlive = request.keepAlive, head = request.method == "HEAD"
        let gzip = Gzip.isAccepted(request.headers.tokens("Accept-Encoding"))
        handler(
            request,
            HTTPResponder { [self] response in
                let encoded = gzip ? Self.compressed(response) : response
                queue.async { [self] in finish(number, encoded, keepAlive: keepAlive, head: head) }
            })
    }

    private func finish(_ number: Int, _ response: HTTPResponse, keepAlive: Bool, head: Bool) {
        guard busy, number == sequence, !closed else { return }
        busy = false
        eviction.withLock { $0.waitingSince = .now() }
        let keep = keepAlive && !draining
        if !keep { closeAfterWrite = true }
        enqueue(response.encoded(keepAlive: keep, headOnly: head))
        guard !closed, !closeAfterWrite else { return }
        lastActivity = .now()
        // Backpressure: the next request (read or already buffered) waits until this answer is sent, so a
        // client that pipelines and never reads holds at most one response in memory.
        guard output.isEmpty else { return }
        continueAfterResponse()
    }

    /// Reads and serves the next request once the previous answer is fully sent.
    private func continueAfterResponse() {
        resumeReading()
        processInput()
        if draining && !busy && output.isEmpty && !parser.hasPartialRequest { close() }
    }

    /// `response` with a gzip body when that is worth it and the handler did not encode it already.
    static func compressed(_ response: HTTPResponse) -> HTTPResponse {
        guard response.body.count >= Gzip.minimumBytes, response.headers["Content-Encoding"] == nil,
            let body = Gzip.compress(response.body), body.count < response.body.count
        else { return response }
        var result = response
        result.body = body
        result.headers.set("Content-Encoding", "gzip")
        result.headers.set("Vary", "Accept-Encoding")
        return result
    }

    /// Answers a request that cannot be read and closes after the answer.
    private func fail(_ response: HTTPResponse) {
        closeAfterWrite = true
        suspendReading()
        enqueue(response.encoded(keepAlive: false))
    }

    // MARK: Writing

    private func enqueue(_ bytes: [UInt8]) {
        if let tls {
            do {
                try tls.send(bytes)
            } catch {
                return close()
            }
            output += tls.pendingOutput()
        } else {
            output += bytes
        }
        flush()
    }

    private func flush() {
        while written < output.count {
            let n = output[written...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n > 0 {
                written += n
                writeStalledSince = nil
            } else if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
                if writeStalledSince == nil { writeStalledSince = .now() }
                if writeSuspended { writeSuspended = false; writeSource.resume() }
                return
            } else {
                close()
                return
            }
        }
        output.removeAll(keepingCapacity: true)
        written = 0
        let wasStalled = !writeSuspended
        if !writeSuspended { writeSuspended = true; writeSource.suspend() }
        if closeAfterWrite && !busy { return close() }
        // A stalled answer is now sent: serve what waited behind it.
        if wasStalled && !busy && !closed { continueAfterResponse() }
    }

    // MARK: Timeouts and closing

    private func checkTimeouts() {
        let now = DispatchTime.now()
        func older(_ t: DispatchTime?, _ seconds: Double) -> Bool {
            guard let t else { return false }
            return Double(now.uptimeNanoseconds &- t.uptimeNanoseconds) / 1e9 > seconds
        }
        if older(writeStalledSince, configuration.writeTimeout) { return close() }
        // A connection that never sends a byte holds its slot for the header timeout, not the idle timeout.
        if !receivedAny && older(connectedAt, configuration.headerTimeout) { return close() }
        // A TLS handshake gets the header timeout from its first byte (a trickle of bytes does not extend it).
        if let tls, !tls.handshakeDone, older(handshakeStarted, configuration.headerTimeout) { return close() }
        guard !busy, !closeAfterWrite else { return }
        if parser.isReadingBody
            ? older(bodyStarted, configuration.bodyTimeout) : older(requestStarted, configuration.headerTimeout)
        {
            let what = parser.isReadingBody ? "body" : "headers"
            return fail(
                HTTPResponse.jsonError(
                    status: 408, code: "request_timeout",
                    message: "the request \(what) did not arrive in time; send the whole request promptly"))
        }
        if !parser.hasPartialRequest && output.isEmpty && older(lastActivity, configuration.idleTimeout) { close() }
    }

    private func suspendReading() {
        if !readSuspended { readSuspended = true; readSource.suspend() }
        eviction.withLock { $0.reading = false }
    }

    private func resumeReading() {
        if readSuspended { readSuspended = false; readSource.resume() }
        eviction.withLock { $0.reading = !closed }
    }

    private func close() {
        guard !closed else { return }
        closed = true
        // Sources must be resumed to be cancelled; their cancel handlers close the descriptor once all ran.
        resumeReading()
        if writeSuspended { writeSuspended = false; writeSource.resume() }
        readSource.cancel()
        writeSource.cancel()
        timer.cancel()
    }
}
