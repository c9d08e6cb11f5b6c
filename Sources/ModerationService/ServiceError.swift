// The service's errors and the HTTP status, code and message each maps to.

import HTTPCore

/// A request the service refuses; every case maps to one status and a message that says what to do.
public enum ServiceError: HTTPError, Equatable, Sendable {
    case invalidUTF8
    case invalidJSON(String)
    case unsupportedMediaType(String)
    /// A request body with a Content-Encoding (gzip, …): bodies are read as sent, so a coded one is refused.
    case unsupportedContentEncoding(String)
    case validation(String)
    case unknownTask(String, known: [String])
    case notFound(String)
    case methodNotAllowed(allowed: [HTTPMethod])
    case conflict(String)
    /// A review item already has a different verdict.
    case verdictConflict(String)
    case unauthorized(String)
    case forbidden(String)
    /// An expert produced scores that are not numbers (NaN or infinity): its results are withheld.
    case expertFailure(String)
    case overloaded(String)
    case unavailable(String)

    public var status: HTTPStatus {
        switch self {
        case .invalidUTF8, .invalidJSON: .badRequest
        case .unsupportedMediaType, .unsupportedContentEncoding: .unsupportedMediaType
        case .validation: .unprocessableContent
        case .unknownTask, .notFound: .notFound
        case .methodNotAllowed: .methodNotAllowed
        case .conflict, .verdictConflict: .conflict
        case .unauthorized: .unauthorized
        case .forbidden: .forbidden
        case .expertFailure: .internalServerError
        case .overloaded, .unavailable: .serviceUnavailable
        }
    }

    public var code: String {
        switch self {
        case .invalidUTF8: "invalid_utf8"
        case .invalidJSON: "invalid_json"
        case .unsupportedMediaType, .unsupportedContentEncoding: "unsupported_media_type"
        case .validation: "validation_failed"
        case .unknownTask: "unknown_task"
        case .notFound: "not_found"
        case .methodNotAllowed: "method_not_allowed"
        case .conflict: "conflict"
        case .verdictConflict: "verdict_conflict"
        case .unauthorized: "unauthorized"
        case .forbidden: "forbidden"
        case .expertFailure: "expert_failure"
        case .overloaded: "overloaded"
        case .unavailable: "unavailable"
        }
    }

    public var message: String {
        switch self {
        case .invalidUTF8: "the request body is not valid UTF-8; send UTF-8 JSON"
        case .invalidJSON(let why): "the request body is not valid JSON (\(why))"
        case .unsupportedMediaType(let type): "Content-Type '\(type)' is not supported; send application/json"
        case .unsupportedContentEncoding(let coding):
            "Content-Encoding '\(coding)' on a request body is not supported; send the body uncompressed"
        case .validation(let why): why
        case .unknownTask(let task, let known): "unknown task '\(task)'; loaded tasks: \(known.joined(separator: ", "))"
        case .notFound(let path): "no route for \(path); see openapi.yaml"
        case .methodNotAllowed(let allowed):
            "method not allowed here; allowed: \(allowed.map(\.rawValue).joined(separator: ", "))"
        case .conflict(let why), .verdictConflict(let why): why
        case .unauthorized(let why): why
        case .forbidden(let why): why
        case .expertFailure(let why): why
        case .overloaded(let why): why
        case .unavailable(let why): why
        }
    }

    /// Allow, Retry-After or WWW-Authenticate where the status calls for it.
    public var headers: HTTPHeaders {
        var fields = HTTPHeaders()
        if case .methodNotAllowed(let allowed) = self {
            fields.add("Allow", allowed.map(\.rawValue).joined(separator: ", "))
        }
        if status == .serviceUnavailable { fields.add("Retry-After", "1") }
        if status == .unauthorized { fields.add("WWW-Authenticate", "Bearer") }
        return fields
    }
}
