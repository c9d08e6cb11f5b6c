// GET and PUT /v1/tasks/{task}/policy, GET /v1/tasks/{task}/policy/history: a task's policy list, versioned.

import Foundation
import Moderation
import ServiceStore

extension ModerationService {
    /// The task's newest list (version 0 and no entries when it never had one).
    func policyList(_ request: RouteRequest) throws -> Reply {
        let task = try loadedTask(request)
        guard let stored = policies.stored(task: task) else {
            return .json(PolicyListReply(task: task, version: 0, entries: [], author: nil, createdAt: nil))
        }
        return .json(PolicyListReply(stored))
    }

    /// Stores `{"entries": [...], "expected_version"?: n}` as the task's next version and applies it at once.
    func setPolicyList(_ request: RouteRequest) throws -> Reply {
        let task = try loadedTask(request)
        let body = try JSONBody.object(request.http)
        if let unknown = body.keys.sorted().first(where: { !["entries", "expected_version"].contains($0) }) {
            throw ServiceError.validation("'\(unknown)' is not a policy list field (fields: entries, expected_version)")
        }
        guard let raw = body["entries"] as? [Any] else {
            throw ServiceError.validation("give 'entries': an array of {match, value, action, note?} objects")
        }
        let entries = try raw.enumerated().map { i, item in try Self.policyEntry(item, index: i) }
        var expected: Int?
        if let value = body["expected_version"] {
            guard let version = JSONField.integer(value), version >= 0 else {
                throw ServiceError.validation("'expected_version' must be a whole number ≥ 0")
            }
            expected = version
        }
        let current = try policies.write(
            task: task, entries: entries, author: access.author(of: request.http), expectedVersion: expected)
        log.info(
            "policy list changed",
            metadata: [
                "task": "\(task)", "version": "\(current.stored.version)", "entries": "\(entries.count)",
                "author": "\(current.stored.author)",
            ])
        return .json(PolicyListReply(current.stored))
    }

    /// Every version of the task's list, newest first (at most 100): the audit trail.
    func policyHistory(_ request: RouteRequest) throws -> Reply {
        let task = try loadedTask(request)
        return .json(
            PolicyHistoryReply(task: task, versions: try policies.store.history(task: task).map(PolicyListReply.init)))
    }

    private func loadedTask(_ request: RouteRequest) throws(ServiceError) -> String {
        let task = request.parameter("task")
        let snapshot = engine.snapshot
        guard snapshot.tasks[task] != nil else { throw .unknownTask(task, known: snapshot.taskNames) }
        return task
    }

    static func policyEntry(_ item: Any, index i: Int) throws(ServiceError) -> PolicyEntry {
        guard let object = item as? [String: Any] else {
            throw .validation("entry \(i) must be an object {match, value, action, note?}")
        }
        if let unknown = object.keys.sorted().first(where: { !["match", "value", "action", "note"].contains($0) }) {
            throw .validation("entry \(i): '\(unknown)' is not an entry field (fields: match, value, action, note)")
        }
        let match = PolicyEntry.Match(rawValue: object["match"] as? String ?? "term")
        guard object["match"] == nil || object["match"] is String, let match else {
            throw .validation("entry \(i): 'match' must be term or pattern")
        }
        guard let value = object["value"] as? String else { throw .validation("entry \(i): 'value' must be a string") }
        guard let action = (object["action"] as? String).flatMap(PolicyEntry.Action.init(rawValue:)) else {
            throw .validation("entry \(i): 'action' must be black, white or review")
        }
        if let note = object["note"], !(note is String) {
            throw .validation("entry \(i): 'note' must be a string")
        }
        return PolicyEntry(match: match, value: value, action: action, note: object["note"] as? String)
    }
}
