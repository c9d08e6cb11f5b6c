// One row of the expert registry.

/// One uploaded expert file.
public struct RegisteredExpert: Sendable, Equatable, Codable {
    public let id: Int64
    public let task: String
    public let version: Int
    public let sha256: String
    public let path: String
    public let uploadedAt: Double
    public let active: Bool

    enum CodingKeys: String, CodingKey {
        case id, task, version, sha256, path, active
        case uploadedAt = "uploaded_at"
    }
}
