// Reading request bodies as JSON objects: UTF-8 first, then JSON, then the expected shape.

import Foundation
import HTTPCore
import Logging

/// The JSON object of a request body.
enum JSONBody {
    /// The body as a JSON object.
    /// - Throws: `ServiceError` for a non-JSON content type, invalid UTF-8, invalid JSON, or a non-object.
    static func object(_ request: HTTPRequest) throws(ServiceError) -> [String: Any] {
        if let type = request.headers["Content-Type"] {
            let media = type.split(separator: ";").first.map { HTTPHeadersTrim.trim($0).lowercased() } ?? ""
            // curl -d labels bodies application/x-www-form-urlencoded unless told otherwise; the body decides then.
            let accepted =
                media == "application/json" || media.hasSuffix("+json") || media == "application/x-www-form-urlencoded"
            guard accepted else { throw .unsupportedMediaType(type) }
        }
        guard String(validating: request.body, as: UTF8.self) != nil else { throw .invalidUTF8 }
        let value: Any
        do {
            value = try JSONSerialization.jsonObject(with: Data(request.body), options: [.fragmentsAllowed])
        } catch {
            throw .invalidJSON(request.body.isEmpty ? "empty body" : "syntax error")
        }
        guard let object = value as? [String: Any] else { throw .invalidJSON("expected a JSON object") }
        return object
    }

    /// Encodes `value` as a JSON response (sorted keys, so output is stable).
    static func response<T: Encodable>(_ value: T, status: HTTPStatus = .ok) -> HTTPResponse {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            let data = try encoder.encode(value)
            return HTTPResponse(
                status: status, headers: HTTPHeaders([("Content-Type", "application/json")]), body: Array(data))
        } catch {
            // A 2xx always carries its whole body: a value JSON cannot hold (NaN) is a server error, never `{}`.
            Logger(label: "moecl.service").error("a response could not be encoded", metadata: ["error": "\(error)"])
            return HTTPResponse.jsonError(
                status: .internalServerError, code: "internal",
                message: "the server could not encode its answer; the server log has the details")
        }
    }
}

/// Whitespace trimming for header parameters.
enum HTTPHeadersTrim {
    static func trim(_ s: Substring) -> String { s.trimmingCharacters(in: .whitespaces) }
}
