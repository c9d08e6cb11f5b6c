// The policy lists the service matches texts against before the model: compiled once per version, written
// through the store (every version kept, with its author), refreshed from it for other replicas' writes.

import Foundation
import HTTPCore
import Logging
import Moderation
import ServiceStore

/// Thread-safe: matching reads a snapshot of the compiled lists; writes and reloads swap it.
final class PolicyLists: Sendable {
    /// A task's newest list, compiled.
    struct Current: Sendable {
        let stored: StoredPolicyList
        let matcher: PolicyMatcher
    }

    let store: PolicyListStore
    private let lists = LockedBox<[String: Current]>([:])
    private let log = Logger(label: "moecl.policy")

    init(store: PolicyListStore) {
        self.store = store
        reload()
    }

    /// The compiled list of `task`, when it has a non-empty one.
    func current(task: String) -> Current? {
        lists.withLock { $0[task] }.flatMap { $0.matcher.entries.isEmpty ? nil : $0 }
    }

    /// The stored newest version of `task`, empty ones included.
    func stored(task: String) -> StoredPolicyList? { lists.withLock { $0[task]?.stored } }

    /// Reads every task's newest list from the store (a list that no longer compiles is logged and kept out).
    func reload() {
        do {
            var compiled: [String: Current] = [:]
            for (task, stored) in try store.current() {
                do {
                    compiled[task] = Current(stored: stored, matcher: try Self.compile(stored.entriesJSON))
                } catch {
                    log.error(
                        "a stored policy list does not compile; it is not applied",
                        metadata: ["task": "\(task)", "version": "\(stored.version)", "error": "\(error)"])
                }
            }
            lists.withLock { $0 = compiled }
        } catch {
            log.warning("cannot read the policy lists (will retry)", metadata: ["error": "\(error)"])
        }
    }

    /// Compiles `entries`, then stores them as `task`'s next version by `author`.
    /// - Throws: `ServiceError.validation` for an entry that does not compile, `.conflict` when
    ///   `expectedVersion` is not the newest version.
    func write(task: String, entries: [PolicyEntry], author: String, expectedVersion: Int?) throws -> Current {
        let matcher: PolicyMatcher
        do throws(PolicyListError) { matcher = try PolicyMatcher(entries: entries) } catch {
            throw ServiceError.validation(error.description)
        }
        let json = String(decoding: try JSONEncoder().encode(entries), as: UTF8.self)
        guard
            let stored = try store.write(
                task: task, entriesJSON: json, author: author, now: Clock.now(), expectedVersion: expectedVersion)
        else {
            throw ServiceError.conflict(
                "the policy list of '\(task)' is no longer at version \(expectedVersion ?? 0): read it again "
                    + "(GET /v1/tasks/\(task)/policy) and send your change with its version")
        }
        let current = Current(stored: stored, matcher: matcher)
        lists.withLock { $0[task] = current }
        return current
    }

    static func compile(_ json: String) throws -> PolicyMatcher {
        try PolicyMatcher(entries: try JSONDecoder().decode([PolicyEntry].self, from: Data(json.utf8)))
    }

    static func entries(_ json: String) -> [PolicyEntry] {
        (try? JSONDecoder().decode([PolicyEntry].self, from: Data(json.utf8))) ?? []
    }
}
