// The syntax pieces of the request parser: request line, header fields, framing, chunk sizes.

extension HTTPRequestParser {
    /// `method SP target SP version`.
    mutating func parseRequestLine(_ line: ArraySlice<UInt8>) throws(HTTPParseError) {
        let parts = line.split(separator: 32, omittingEmptySubsequences: false)
        guard parts.count == 3 else {
            throw .malformed("the request line must be 'METHOD /path HTTP/1.1'")
        }
        guard !parts[0].isEmpty, parts[0].allSatisfy(ASCII.isTokenByte) else {
            throw .malformed("invalid method")
        }
        let versionText = String(decoding: parts[2], as: UTF8.self)
        guard let parsed = HTTPVersion(rawValue: versionText) else {
            // Well-formed HTTP/x.y of another version: 505; anything else: 400.
            let v = Array(versionText.utf8)
            let wellFormed =
                v.count == 8 && versionText.hasPrefix("HTTP/") && v[6] == 46
                && [v[5], v[7]].allSatisfy { $0 >= 48 && $0 <= 57 }
            if wellFormed { throw .unsupportedVersion(versionText) }
            throw .malformed("invalid HTTP version")
        }
        guard !parts[1].isEmpty, parts[1].allSatisfy({ $0 > 32 && $0 < 127 }) else {
            throw .malformed("invalid request target")
        }
        var requestTarget = String(decoding: parts[1], as: UTF8.self)
        if !(requestTarget.hasPrefix("/") || requestTarget == "*") {
            requestTarget = try Self.originForm(ofAbsolute: requestTarget)
        }
        method = HTTPMethod(rawValue: String(decoding: parts[0], as: UTF8.self))
        target = requestTarget
        version = parsed
    }

    /// The path and query of an absolute-form target (RFC 9112 §3.2.2): `http://host:80/a?b` → `/a?b`.
    static func originForm(ofAbsolute target: String) throws(HTTPParseError) -> String {
        let lower = target.lowercased()
        let schemeLength = lower.hasPrefix("http://") ? 7 : lower.hasPrefix("https://") ? 8 : 0
        guard schemeLength > 0 else { throw .malformed("the request target must start with '/'") }
        let rest = target.dropFirst(schemeLength)
        guard let end = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) else { return "/" }
        return rest[end] == "?" ? "/" + rest[end...] : String(rest[end...])
    }

    /// `name: value` with optional whitespace around the value.
    func parseField(_ line: ArraySlice<UInt8>) throws(HTTPParseError) -> (String, String) {
        if line.first == 32 || line.first == 9 { throw .malformed("folded header lines are not allowed") }
        guard let colon = line.firstIndex(of: 58) else { throw .malformed("a header line without ':'") }
        let name = line[line.startIndex..<colon]
        guard !name.isEmpty, name.allSatisfy(ASCII.isTokenByte) else {
            throw .malformed("invalid header name '\(String(decoding: name, as: UTF8.self))'")
        }
        let value = line[(colon + 1)...]
        if value.contains(where: { ($0 < 32 && $0 != 9) || $0 == 127 }) {
            throw .malformed("a control character in header '\(String(decoding: name, as: UTF8.self))'")
        }
        return (
            String(decoding: name, as: UTF8.self), HTTPHeaders.trim(Substring(String(decoding: value, as: UTF8.self)))
        )
    }

    /// Decides the body's framing once the header block ended; returns an event when there is one to give now.
    mutating func finishHeaders() throws(HTTPParseError) -> HTTPRequestParser.Event? {
        let hosts = headers.values("Host")
        if version == .http11 && hosts.count != 1 {
            throw .malformed("an HTTP/1.1 request needs exactly one Host header")
        }
        let codings = headers.tokens("Transfer-Encoding")
        let lengths = headers.values("Content-Length")
        var expectsBody = false
        if !codings.isEmpty {
            guard lengths.isEmpty else { throw .malformed("both Transfer-Encoding and Content-Length") }
            guard codings == ["chunked"] else {
                if codings.last == "chunked" && codings.dropLast().allSatisfy({ $0 == "chunked" }) {
                    throw .malformed("chunked applied more than once")
                }
                throw .unsupportedTransferEncoding(codings.joined(separator: ", "))
            }
            state = .chunkSize
            expectsBody = true
        } else if !lengths.isEmpty {
            let length = try Self.contentLength(lengths)
            guard length <= limits.maxBodyBytes else { throw .bodyTooLarge(limit: limits.maxBodyBytes) }
            state = .body(remaining: length)
            expectsBody = length > 0
        } else {
            state = .body(remaining: 0)
        }
        let expectations = headers.tokens("Expect")
        if !expectations.isEmpty {
            guard expectations == ["100-continue"] else {
                throw .unsupportedExpectation(expectations.joined(separator: ", "))
            }
            if version == .http11 && expectsBody && buffer.count == start { return .continueExpected }
        }
        return nil
    }

    /// The one value of every Content-Length field (`5` and `5, 5` agree; different values are an error).
    static func contentLength(_ values: [String]) throws(HTTPParseError) -> Int {
        var result: Int?
        for item in values.flatMap({ $0.split(separator: ",", omittingEmptySubsequences: false) }) {
            let text = HTTPHeaders.trim(item)
            guard !text.isEmpty, text.utf8.count <= 18, text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
                let value = Int(text)
            else { throw .malformed("invalid Content-Length '\(text)'") }
            if let result, result != value { throw .malformed("conflicting Content-Length values") }
            result = value
        }
        guard let result else { throw .malformed("empty Content-Length") }
        return result
    }

    /// The hexadecimal size before any `;` extension. Leading zeros are allowed in any number; more than 15
    /// significant digits cannot be a size this server accepts (413).
    func parseChunkSize(_ line: ArraySlice<UInt8>) throws(HTTPParseError) -> Int {
        var size = 0, digits = 0, significant = 0
        var i = line.startIndex
        while i < line.endIndex, let v = ASCII.hexValue(line[i]) {
            digits += 1
            if size > 0 || v > 0 { significant += 1 }
            guard significant <= 15 else { throw .bodyTooLarge(limit: limits.maxBodyBytes) }
            size = size * 16 + v
            i += 1
        }
        guard digits > 0 else { throw .malformed("invalid chunk size") }
        while i < line.endIndex, line[i] == 32 || line[i] == 9 { i += 1 }
        guard i == line.endIndex || line[i] == 59 else { throw .malformed("invalid chunk size") }
        return size
    }

    /// Resets for the next request and returns the finished one.
    mutating func complete() -> HTTPRequest {
        let request = HTTPRequest(method: method, target: target, version: version, headers: headers, body: body)
        state = .requestLine
        headers = HTTPHeaders()
        fieldCount = 0
        headerBytes = 0
        body = []
        return request
    }
}
