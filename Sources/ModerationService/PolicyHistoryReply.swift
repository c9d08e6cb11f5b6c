// The versions of a task's policy list (GET /v1/tasks/{task}/policy/history).

/// Every version of a task's list, newest first.
struct PolicyHistoryReply: Encodable {
    let task: String
    let versions: [PolicyListReply]
}
