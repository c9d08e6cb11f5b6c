// Where an expert's training texts came from: recorded in its training metadata, found again by relative path or
// recorded path, and refused once the file changed.

import Foundation
import TestSupport
import Testing
import Training

@Suite("TrainingSource")
struct TrainingSourceTests {
    /// A data root holding `suite/task/train.jsonl`.
    static func root() throws -> (root: URL, folder: URL) {
        let root = TestPaths.temporaryFolder("moecl-source")
        let folder = root.appendingPathComponent("suite/task")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data("{\"text\": \"a\", \"label\": \"compliant\"}\n".utf8).write(
            to: folder.appendingPathComponent("train.jsonl"))
        return (root, folder)
    }

    @Test func aRecordCarriesTheSourceBesideTheOptions() throws {
        let (root, folder) = try Self.root()
        defer { try? FileManager.default.removeItem(at: root) }
        let source = try TrainingSource.of(folder: folder.path, named: "suite/task", examples: 1)
        #expect(source.relative == "suite/task/train.jsonl")
        #expect(source.sha256.count == 64)
        let record = TrainingSource.record("{\"epochs\":3}", adding: source)
        #expect(record.contains("\"epochs\":3"))
        #expect(TrainingSource.named(in: record) == source)
        #expect(TrainingSource.named(in: "{\"epochs\":3}") == nil)
        #expect(TrainingSource.named(in: "not json") == nil)
        #expect(TrainingSource.record("not json", adding: source) == "not json")
    }

    @Test func itIsFoundUnderARootOrAtItsPathAndRefusedOnceChanged() throws {
        let (root, folder) = try Self.root()
        defer { try? FileManager.default.removeItem(at: root) }
        let source = try TrainingSource.of(folder: folder.path, named: "suite/task", examples: 1)
        #expect(source.locate(root: nil) == .found(path: source.path))
        #expect(
            source.locate(root: root.path) == .found(path: root.appendingPathComponent("suite/task/train.jsonl").path))
        // Moved elsewhere: found under the new root only.
        let moved = TestPaths.temporaryFolder("moecl-source-moved")
        defer { try? FileManager.default.removeItem(at: moved) }
        try FileManager.default.createDirectory(at: moved, withIntermediateDirectories: true)
        try FileManager.default.moveItem(
            at: root.appendingPathComponent("suite"), to: moved.appendingPathComponent("suite"))
        guard case .missing(let tried) = source.locate(root: root.path) else {
            Issue.record("found a file that is gone")
            return
        }
        #expect(tried.count == 2)
        let there = moved.appendingPathComponent("suite/task/train.jsonl")
        #expect(source.locate(root: moved.path) == .found(path: there.path))
        try Data("{\"text\": \"b\", \"label\": \"violating\"}\n".utf8).write(to: there)
        #expect(source.locate(root: moved.path) == .changed(path: there.path))
    }
}
