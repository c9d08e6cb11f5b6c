// Where tests find the package, its fixtures, the base model and the shared datasets.

import Foundation

/// Paths used by tests; optional ones are nil when absent so tests can skip cleanly.
public enum TestPaths {
    /// The package root (the folder holding Package.swift).
    public static let packageRoot: URL = {
        var url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while url.path != "/" {
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
            url.deleteLastPathComponent()
        }
        fatalError("Package.swift not found above \(#filePath)")
    }()

    /// Committed fixtures (goldens), see Tests/Fixtures/README.md.
    public static var fixtures: URL { packageRoot.appendingPathComponent("Tests/Fixtures") }

    /// The base model folder fetched by `make setup`, or nil when it has not been fetched.
    public static var baseModel: URL? {
        let url = packageRoot.appendingPathComponent("models/all-MiniLM-L6-v2")
        return FileManager.default.fileExists(atPath: url.appendingPathComponent("model.safetensors").path) ? url : nil
    }

    /// The LLM base's GGUF file fetched by `make setup` (`scripts/setup.sh --llm`), or nil when it has not been.
    public static var llmGGUF: URL? {
        let url = packageRoot.appendingPathComponent(
            "models/SmolLM2-135M-Instruct/SmolLM2-135M-Instruct.Q4_1.gguf")
        return FileManager.default.fileExists(atPath: url.path) ? url : nil
    }

    /// The shared datasets beside the project (`../shared/data`, or MOECL_SHARED_DATA), or nil when absent
    /// (a user's clone has none; CI always has it).
    public static var sharedData: URL? {
        let env = ProcessInfo.processInfo.environment["MOECL_SHARED_DATA"].map { URL(fileURLWithPath: $0) }
        let url = env ?? packageRoot.deletingLastPathComponent().appendingPathComponent("shared/data")
        return FileManager.default.fileExists(atPath: url.path) ? url : nil
    }

    /// A built executable of this package (release build first, then debug), or nil when not built.
    public static func executable(_ name: String) -> URL? {
        for config in ["release", "debug"] {
            let url = packageRoot.appendingPathComponent(".build/\(config)/\(name)")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return nil
    }

    /// A fresh empty temporary folder; the caller removes it.
    public static func temporaryFolder(_ label: String = "moecl-test") -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(label)-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// The lines of a JSONL file decoded as objects.
    public static func jsonLines(_ url: URL) throws -> [[String: Any]] {
        let text = try String(contentsOf: url, encoding: .utf8)
        return try text.split(separator: "\n", omittingEmptySubsequences: true).map {
            guard let object = try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] else {
                throw CocoaError(.fileReadCorruptFile)
            }
            return object
        }
    }
}
