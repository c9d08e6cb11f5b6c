// Whether the state can still be written: buffered counts reach the database, and the upload folder takes a file.
// /readyz answers 503 while either fails, so a load balancer stops sending work a replica cannot record.

import Foundation
import Logging

extension ModerationService {
    /// Writes buffered decision counts and log rows, and checks that the upload folder takes a file; records
    /// what failed for `/readyz`. The app calls it once a second.
    public func checkState() {
        var problem: String?
        do {
            try stores.flush()
        } catch {
            problem = "the state database cannot be written"
            log.error("\(problem!)", metadata: ["error": "\(error)"])
        }
        if problem == nil, !Self.folderTakesAFile(admin.folder) {
            problem = "the state folder cannot be written (full disk or permissions)"
            log.error("\(problem!)", metadata: ["folder": "\(admin.folder)"])
        }
        let before = stateProblem.withLock { p in
            defer { p = problem }
            return p
        }
        if before != nil && problem == nil { log.notice("the state can be written again") }
    }

    /// Whether a one-byte file can be created (and is removed again) in `folder`, created if missing.
    static func folderTakesAFile(_ folder: String) -> Bool {
        let probe = (folder as NSString).appendingPathComponent(".write-check")
        guard (try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)) != nil,
            FileManager.default.createFile(atPath: probe, contents: Data([0]))
        else { return false }
        try? FileManager.default.removeItem(atPath: probe)
        return true
    }
}
