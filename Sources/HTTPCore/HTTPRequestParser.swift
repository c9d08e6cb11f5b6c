// The HTTP/1.1 request parser: a byte-fed state machine (RFC 9112) that knows nothing about sockets.

/// Turns the bytes of one connection into requests. Feed whatever arrived with `append`, then call `next()`
/// until it returns nil (more bytes needed). Pipelined requests come out one by one, in order.
///
/// Framing follows RFC 9112 §6: `Transfer-Encoding: chunked` (no other coding), else `Content-Length`, else no
/// body; a request with both is refused (request smuggling). Every limit of `HTTPLimits` is checked while bytes
/// arrive, so an over-long line or body fails before it is buffered whole. After an error the parser is
/// poisoned: the server answers the error's status and closes the connection.
public struct HTTPRequestParser: Sendable {
    /// What `next()` found.
    public enum Event: Sendable, Equatable {
        /// A complete request.
        case request(HTTPRequest)
        /// The headers asked for `Expect: 100-continue` and a body follows: send `100 Continue` now.
        case continueExpected
    }

    enum State: Sendable, Equatable {
        case requestLine, headers, body(remaining: Int), chunkSize, chunkData(remaining: Int), chunkDataEnd, trailers
    }

    public let limits: HTTPLimits
    var buffer: [UInt8] = []
    /// First byte of `buffer` not consumed yet.
    var start = 0
    /// Where the search for the current line's LF resumes (bytes before it hold none).
    var scanFrom = 0
    var state = State.requestLine
    var failure: HTTPParseError?
    // The request being read; `fieldCount` and `headerBytes` include trailer fields, which are read and dropped.
    var method = HTTPMethod.get, target = "", version = HTTPVersion.http11
    var headers = HTTPHeaders(), fieldCount = 0, headerBytes = 0, body: [UInt8] = []

    public init(limits: HTTPLimits = HTTPLimits()) {
        self.limits = limits
    }

    /// Whether bytes of an unfinished request are held (a connection in this state is not idle).
    public var hasPartialRequest: Bool { state != .requestLine || start < buffer.count }

    /// Whether the current request's header block is complete and its body is being read.
    public var isReadingBody: Bool {
        switch state {
        case .requestLine, .headers: false
        default: true
        }
    }

    /// Bytes received and not yet consumed by a request.
    public var bufferedBytes: Int { buffer.count - start }

    /// Adds received bytes.
    public mutating func append<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        if start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
            scanFrom = 0
        } else if start >= 64 * 1024 {
            buffer.removeSubrange(0..<start)
            scanFrom -= start
            start = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// The next event, or nil when more bytes are needed.
    /// - Throws: `HTTPParseError` for a malformed or over-limit request, and again on every later call.
    public mutating func next() throws(HTTPParseError) -> Event? {
        if let failure { throw failure }
        do {
            return try step()
        } catch {
            failure = error
            throw error
        }
    }

    private mutating func step() throws(HTTPParseError) -> Event? {
        while true {
            switch state {
            case .requestLine:
                guard
                    let line = try readLine(
                        limit: limits.maxRequestLineBytes,
                        tooLong: .requestLineTooLong(limit: limits.maxRequestLineBytes))
                else { return nil }
                if line.isEmpty { continue }  // RFC 9112 §2.2: ignore empty lines before a request line
                try parseRequestLine(line)
                state = .headers
            case .headers, .trailers:
                let left = limits.maxHeaderBytes - headerBytes
                guard
                    let line = try readLine(
                        limit: max(0, left),
                        tooLong: .headersTooLarge("more than \(limits.maxHeaderBytes) bytes of header fields"))
                else { return nil }
                headerBytes += line.count + 2
                if headerBytes > limits.maxHeaderBytes {
                    throw .headersTooLarge("more than \(limits.maxHeaderBytes) bytes of header fields")
                }
                if line.isEmpty {
                    if state == .trailers { return .request(complete()) }
                    if let event = try finishHeaders() { return event }
                    continue
                }
                let field = try parseField(line)
                fieldCount += 1
                if fieldCount > limits.maxHeaderCount {
                    throw .headersTooLarge("more than \(limits.maxHeaderCount) header fields")
                }
                if state == .headers { headers.add(field.0, field.1) }
            case .body(let remaining):
                let take = min(remaining, buffer.count - start)
                body.append(contentsOf: buffer[start..<(start + take)])
                start += take
                scanFrom = start
                if take == remaining { return .request(complete()) }
                state = .body(remaining: remaining - take)
                return nil
            case .chunkSize:
                guard
                    let line = try readLine(
                        limit: 1024, tooLong: .malformed("a chunk-size line longer than 1024 bytes"))
                else { return nil }
                let size = try parseChunkSize(line)
                if size == 0 {
                    state = .trailers
                } else {
                    guard size <= limits.maxBodyBytes - body.count else {
                        throw .bodyTooLarge(limit: limits.maxBodyBytes)
                    }
                    state = .chunkData(remaining: size)
                }
            case .chunkData(let remaining):
                let take = min(remaining, buffer.count - start)
                body.append(contentsOf: buffer[start..<(start + take)])
                start += take
                scanFrom = start
                if take < remaining {
                    state = .chunkData(remaining: remaining - take)
                    return nil
                }
                state = .chunkDataEnd
            case .chunkDataEnd:
                // CRLF (or a bare LF) after the chunk's data.
                guard start < buffer.count else { return nil }
                if buffer[start] == 10 {
                    start += 1
                } else if buffer[start] == 13 {
                    guard start + 1 < buffer.count else { return nil }
                    guard buffer[start + 1] == 10 else { throw .malformed("chunk data not followed by CRLF") }
                    start += 2
                } else {
                    throw .malformed("chunk data longer than its chunk size")
                }
                scanFrom = start
                state = .chunkSize
            }
        }
    }

    /// The next line without its CRLF (or LF), consuming it; nil when no complete line is buffered.
    private mutating func readLine(limit: Int, tooLong: HTTPParseError) throws(HTTPParseError) -> ArraySlice<UInt8>? {
        let end = buffer.count
        var i = max(start, scanFrom)
        while i < end && buffer[i] != 10 { i += 1 }
        guard i < end else {
            // Not complete yet: fail early when the partial line is already too long (+1 for a final CR).
            if end - start > limit + 1 { throw tooLong }
            scanFrom = end
            return nil
        }
        var line = buffer[start..<i]
        if line.last == 13 { line = line.dropLast() }
        if line.count > limit { throw tooLong }
        if line.contains(13) { throw .malformed("a bare CR inside a line") }
        start = i + 1
        scanFrom = start
        return line
    }
}
