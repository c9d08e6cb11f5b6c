// manifest.json of an expert bundle: which files make it up, their versions and checksums.

/// The manifest of a bundle folder (docs/FORMATS.md). File paths are relative to the folder.
public struct BundleManifest: Codable, Sendable, Equatable {
    public static let fileName = "manifest.json"
    public static let formatName = "moecl.bundle"
    public static let formatVersion = 1

    /// One file of the bundle.
    public struct Entry: Codable, Sendable, Equatable {
        /// Task name (nil for the shared expert).
        public var task: String?
        public var file: String
        public var sha256: String
        public var version: Int

        public init(task: String?, file: String, sha256: String, version: Int) {
            self.task = task
            self.file = file
            self.sha256 = sha256
            self.version = version
        }
    }

    public var format: String
    public var formatVersion: Int
    public var baseModelSHA256: String
    public var createdAt: String
    public var shared: Entry
    public var tasks: [Entry]

    public init(baseModelSHA256: String, createdAt: String, shared: Entry, tasks: [Entry]) {
        self.format = Self.formatName
        self.formatVersion = Self.formatVersion
        self.baseModelSHA256 = baseModelSHA256
        self.createdAt = createdAt
        self.shared = shared
        self.tasks = tasks
    }

    enum CodingKeys: String, CodingKey {
        case format, formatVersion = "format_version", baseModelSHA256 = "base_model_sha256"
        case createdAt = "created_at", shared, tasks
    }
}
