// libFuzzer target: the HTTP/1.1 request parser (request line, fields, Content-Length and chunked bodies,
// pipelining). Properties: it never crashes or hangs, and feeding the bytes in two pieces (split where the first
// byte says) gives the same requests and errors as feeding them whole (only `continueExpected` may differ: it
// comes when the body has not arrived yet).

import HTTPCore

/// Every event (and the error, if any) the parser yields for `pieces` fed one after another.
func events(_ pieces: [ArraySlice<UInt8>], limits: HTTPLimits) -> [String] {
    var parser = HTTPRequestParser(limits: limits)
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

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHTTPParser(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    var limits = HTTPLimits()
    limits.maxBodyBytes = 4096
    limits.maxHeaderBytes = 2048
    limits.maxRequestLineBytes = 512
    let whole = events([bytes[...]], limits: limits)
    let split = bytes.isEmpty ? 0 : Int(bytes[0]) % (bytes.count + 1)
    let pieces = events([bytes[..<split], bytes[split...]], limits: limits)
    precondition(whole == pieces, "split at \(split) changed the events: \(whole) vs \(pieces)")
    return 0
}
