// A task's policy list as the API returns it (GET and PUT /v1/tasks/{task}/policy).

import Foundation
import Moderation
import ServiceStore

/// A task's policy list as the API returns it.
struct PolicyListReply: Encodable {
    let task: String
    let version: Int
    let entries: [PolicyEntry]
    let author: String?
    let createdAt: String?

    init(task: String, version: Int, entries: [PolicyEntry], author: String?, createdAt: String?) {
        self.task = task
        self.version = version
        self.entries = entries
        self.author = author
        self.createdAt = createdAt
    }

    init(_ stored: StoredPolicyList) {
        self.init(
            task: stored.task, version: stored.version, entries: PolicyLists.entries(stored.entriesJSON),
            author: stored.author,
            createdAt: ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: stored.createdAt)))
    }

    enum CodingKeys: String, CodingKey {
        case task, version, entries, author
        case createdAt = "created_at"
    }
}
