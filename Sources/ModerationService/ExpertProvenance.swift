// Where each loaded task expert came from: its file's SHA-256 and when this process loaded it.

import Foundation
import HTTPCore
import ModelFormats
import MoELoRA
import ServiceStore

/// Checksum and load time per loaded task (and of the shared expert, under `ExpertRegistry.sharedKey`), kept by the admin operations that change the snapshot.
final class ExpertProvenance: Sendable {
    struct Entry: Sendable, Equatable {
        let sha256: String
        /// Seconds since 1970.
        let loadedAt: Double
    }

    private let entries = LockedBox<[String: Entry]>([:])

    /// Every task of `snapshot`, loaded now; the checksum is that of the expert's file bytes (files round-trip
    /// bit-exactly, so this equals the bundle manifest's checksum).
    init(snapshot: ExpertSnapshot, now: Double = Date().timeIntervalSince1970) {
        for (name, expert) in snapshot.tasks {
            if let sha = Self.checksum(expert) { record(task: name, sha256: sha, at: now) }
        }
        if let sha = Self.checksum(snapshot.shared) { record(task: ExpertRegistry.sharedKey, sha256: sha, at: now) }
    }

    static func checksum(_ expert: TaskExpert) -> String? {
        (try? ExpertFile.serialized(expert)).map(FileDigest.sha256)
    }

    static func checksum(_ shared: SharedExpert) -> String? {
        (try? ExpertFile.serialized(shared)).map(FileDigest.sha256)
    }

    func record(task: String, sha256: String, at time: Double = Date().timeIntervalSince1970) {
        entries.withLock { $0[task] = Entry(sha256: sha256, loadedAt: time) }
    }

    func remove(task: String) { entries.withLock { _ = $0.removeValue(forKey: task) } }

    func entry(_ task: String) -> Entry? { entries.withLock { $0[task] } }
}
