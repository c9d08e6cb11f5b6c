// The wire form of responses: status line, framing fields, HEAD, 1xx and 204 without a length.

import HTTPCore
import Testing

@Suite("HTTPResponse")
struct HTTPResponseTests {
    @Test func encodesStatusFieldsAndBody() {
        var r = HTTPResponse(status: 404, contentType: "application/json", text: "{}")
        r.headers.add("Content-Length", "999")  // replaced by the real length
        let text = String(decoding: r.encoded(keepAlive: true), as: UTF8.self)
        #expect(text == "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}")
    }

    @Test func closesAndHeadOmitsTheBody() {
        let r = HTTPResponse(status: 200, contentType: "text/plain", text: "hello")
        let text = String(decoding: r.encoded(keepAlive: false, headOnly: true), as: UTF8.self)
        #expect(text == "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nConnection: close\r\n\r\n")
    }

    @Test func noContentHasNoLength() {
        let text = String(decoding: HTTPResponse(status: 204).encoded(keepAlive: true), as: UTF8.self)
        #expect(text == "HTTP/1.1 204 No Content\r\n\r\n")
        #expect(String(decoding: HTTPResponse.continueBytes, as: UTF8.self) == "HTTP/1.1 100 Continue\r\n\r\n")
        #expect(
            HTTPStatus.requestHeaderFieldsTooLarge.reason == "Request Header Fields Too Large"
                && HTTPStatus(299).reason == "Status 299")
        #expect(
            HTTPStatus.continue.isInformational && !HTTPStatus.ok.isInformational && HTTPStatus.notFound.code == 404)
        #expect(HTTPMethod(rawValue: "GET") == .get && HTTPMethod.delete.description == "DELETE")
    }
}

@Suite("HTTPResponse JSON errors")
struct HTTPResponseJSONErrorTests {
    @Test func escapesQuotesControlCharactersAndKeepsSlashes() throws {
        let r = HTTPResponse.jsonError(status: 400, code: "bad_request", message: "a \"quote\"\n/v1/x")
        #expect(r.status == 400 && r.headers["Content-Type"] == "application/json")
        let text = String(decoding: r.body, as: UTF8.self)
        #expect(text == #"{"error":{"code":"bad_request","message":"a \"quote\"\n/v1/x"}}"#)
    }
}
