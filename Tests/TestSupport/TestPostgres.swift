// A throw-away PostgreSQL server for tests: scripts/pg/test-server.sh in a temporary folder, stopped and
// removed when the value goes away.

import Foundation

/// A running test PostgreSQL server and its connection URL.
public final class TestPostgres: @unchecked Sendable {  // safe: immutable after init
    public let folder: URL
    public let url: String

    /// Starts a server (about a second), stopped when this value goes away or this process ends. Throws with
    /// the script's message when PostgreSQL is missing.
    public init() throws {
        folder = TestPaths.temporaryFolder("moecl-pg")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let (status, output, errors) = try Self.script(["start", folder.path, String(getpid())])
        guard status == 0, let url = output.split(separator: "\n").last.map(String.init), url.hasPrefix("postgresql://")
        else {
            try? FileManager.default.removeItem(at: folder)
            throw TestPostgresError(message: "scripts/pg/test-server.sh start failed (\(status)): \(errors)")
        }
        self.url = url
    }

    deinit { stop() }

    /// Stops the server at once (as a crash would) and starts it again: open connections break.
    public func restart() throws {
        let (status, _, errors) = try Self.script(["restart", folder.path])
        guard status == 0 else {
            throw TestPostgresError(message: "scripts/pg/test-server.sh restart failed (\(status)): \(errors)")
        }
    }

    func stop() {
        _ = try? Self.script(["stop", folder.path])
        try? FileManager.default.removeItem(at: folder)
    }

    /// One server for the whole test process, started on first use and stopped at exit: tests that need an empty
    /// database each create one on it (`TestDatabase`), which is much faster than a server each.
    public static func shared() throws -> TestPostgres { try sharedServer.get() }

    private static let sharedServer: Result<TestPostgres, Error> = {
        let result = Result { try TestPostgres() }
        atexit { if case .success(let server) = TestPostgres.sharedServer { server.stop() } }
        return result
    }()

    static func script(_ arguments: [String]) throws -> (Int32, String, String) {
        let process = Process()
        process.executableURL = TestPaths.packageRoot.appendingPathComponent("scripts/pg/test-server.sh")
        process.arguments = arguments
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = errors.fileHandleForReading.readDataToEndOfFile()
        return (waitForExit(process), String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }

    /// The exit status of `process`. Foundation's `waitUntilExit` never returned here for this script (the
    /// server it starts changes user and leaves the session), so the child is reaped with `waitpid` directly.
    static func waitForExit(_ process: Process) -> Int32 {
        var status: Int32 = 0
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline {
            let pid = waitpid(process.processIdentifier, &status, WNOHANG)
            if pid == process.processIdentifier {
                return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
            }
            if pid < 0 { return process.isRunning ? -1 : process.terminationStatus }  // Foundation reaped it first
            usleep(10_000)
        }
        return -1
    }
}

public struct TestPostgresError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
