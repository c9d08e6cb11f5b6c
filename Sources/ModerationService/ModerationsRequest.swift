// POST /v1/moderations: the widely used moderation API's shape, mapped onto the moderation tasks.

/// `{"input": string | [string], "tasks"?: [string]}`: every input under every moderation task (tasks with a
/// compliant label) unless `tasks` narrows it; `model` is accepted and ignored.
enum ModerationsRequest {
    static func parse(
        _ body: [String: Any], moderationTasks: [String], known: [String],
        limits: ServiceConfiguration
    ) throws(ServiceError) -> ClassifyRequest {
        var rewritten: [String: Any] = [:]
        switch body["input"] {
        case let text as String: rewritten["text"] = text
        case let list as [Any]: rewritten["texts"] = list
        default: throw .validation("give 'input': a string or an array of strings")
        }
        if let model = body["model"], !(model is String) || JSONField.isBoolean(model) {
            throw .validation("'model' must be a string (it is accepted and ignored)")
        }
        let tasks: [Any]
        switch body["tasks"] {
        case nil: tasks = moderationTasks
        case let list as [Any]: tasks = list
        default: throw .validation("'tasks' must be an array of task names")
        }
        guard !tasks.isEmpty else { throw .validation("no moderation task is loaded") }
        rewritten["tasks"] = tasks
        // The compatible API scores every category of every input, so several texts × several tasks is fine.
        return try ClassifyRequest.parse(rewritten, known: known, limits: limits, allowManyTasks: true)
    }
}
