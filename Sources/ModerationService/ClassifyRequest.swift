// The body of POST /v1/classify, validated: texts, tasks, limits.

/// A validated classification request: every text is scored under every task in `tasks`.
struct ClassifyRequest: Equatable {
    let texts: [String]
    let tasks: [String]
    /// Whether every (text, task) pair gets an occlusion explanation (`"explain": true`).
    var explain = false

    /// Reads `{"task"|"tasks", "text"|"texts"}`; `"task": "*"` means every loaded task.
    /// - Throws: `ServiceError.validation` for a wrong shape or a limit, `.unknownTask` for a task not loaded.
    /// - Parameter allowManyTasks: accept several texts with several tasks (the moderations endpoint).
    static func parse(
        _ body: [String: Any], known: [String], limits: ServiceConfiguration,
        allowManyTasks: Bool = false
    ) throws(ServiceError) -> ClassifyRequest {
        let texts: [String]
        switch (body["text"], body["texts"]) {
        case (let text as String, nil):
            texts = [text]
        case (nil, let list as [Any]):
            let strings = list.compactMap { $0 as? String }
            guard strings.count == list.count, !strings.isEmpty else {
                throw .validation("'texts' must be a non-empty array of strings")
            }
            guard strings.count <= limits.maxTextsPerRequest else {
                throw .validation(
                    "'texts' holds \(strings.count) texts; at most \(limits.maxTextsPerRequest) per request")
            }
            texts = strings
        case (nil, nil):
            throw .validation("give 'text' (a string) or 'texts' (an array of strings)")
        default:
            throw .validation(
                "give either 'text' (a string) or 'texts' (an array of strings), not both or another type")
        }
        // Characters are Unicode code points, as openapi.yaml says (counting grapheme clusters let a text of
        // millions of combining marks through).
        if let long = texts.firstIndex(where: { $0.unicodeScalars.count > limits.maxCharactersPerText }) {
            throw .validation(
                "text \(long) has \(texts[long].unicodeScalars.count) characters (code points); "
                    + "at most \(limits.maxCharactersPerText)")
        }
        let tasks: [String]
        switch (body["task"], body["tasks"]) {
        case ("*" as String, nil):
            tasks = known
        case (let task as String, nil):
            tasks = [task]
        case (nil, let list as [Any]):
            let strings = list.compactMap { $0 as? String }
            guard strings.count == list.count, !strings.isEmpty, Set(strings).count == strings.count else {
                throw .validation("'tasks' must be a non-empty array of distinct task names")
            }
            tasks = strings
        case (nil, nil):
            throw .validation("give 'task' (a name, or \"*\" for every task) or 'tasks' (an array of names)")
        default:
            throw .validation(
                "give either 'task' (a string) or 'tasks' (an array of strings), not both or another type")
        }
        if let unknown = tasks.first(where: { !known.contains($0) }) { throw .unknownTask(unknown, known: known) }
        if tasks.count > 1 && texts.count > 1 && !allowManyTasks {
            throw .validation("several tasks take one 'text'; send one request per text")
        }
        var explain = false
        if let raw = body["explain"] {
            guard JSONField.isBoolean(raw), let flag = raw as? Bool else {
                throw .validation("'explain' must be true or false")
            }
            explain = flag
        }
        if explain, texts.count * tasks.count > limits.maxExplainedPairs {
            throw .validation(
                "'explain' covers at most \(limits.maxExplainedPairs) (text, task) pairs per request, this one has "
                    + "\(texts.count * tasks.count): send fewer texts or tasks, or leave 'explain' out")
        }
        return ClassifyRequest(texts: texts, tasks: tasks, explain: explain)
    }
}
