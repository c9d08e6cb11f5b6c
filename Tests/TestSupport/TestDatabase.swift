// An empty database for store tests, on either backend, so one test body checks SQLite and PostgreSQL alike.

import Foundation
import ServiceStore

/// The two databases the stores run on.
public enum TestBackend: String, CaseIterable, Sendable, CustomStringConvertible {
    case sqlite
    case postgres

    public var description: String { rawValue }
}

/// A fresh, empty database: a SQLite file in a temporary folder, or a new database on the shared test
/// PostgreSQL server. `connect()` opens a new connection to it each time, so a test can check what survives
/// reopening.
public final class TestDatabase: @unchecked Sendable {  // safe: immutable after init
    public let backend: TestBackend
    /// The SQLite file, or the PostgreSQL URL.
    public let location: String
    private let folder: URL?

    public init(_ backend: TestBackend) throws {
        self.backend = backend
        switch backend {
        case .sqlite:
            let folder = TestPaths.temporaryFolder("moecl-store")
            self.folder = folder
            location = folder.appendingPathComponent("state.sqlite").path
        case .postgres:
            let server = try TestPostgres.shared()
            let name = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
            try PostgresDatabase(url: server.url).execute("CREATE DATABASE \(name)")
            folder = nil
            location = server.url.replacingOccurrences(of: "@/moecl?", with: "@/\(name)?")
        }
    }

    deinit { if let folder { try? FileManager.default.removeItem(at: folder) } }

    public func connect() throws -> any SQLDatabase {
        switch backend {
        case .sqlite: try SQLiteDatabase(path: location)
        case .postgres: try PostgresDatabase(url: location)
        }
    }

    /// The URL to give `moecl serve --database-url` (PostgreSQL only).
    public var url: String { location }
}
