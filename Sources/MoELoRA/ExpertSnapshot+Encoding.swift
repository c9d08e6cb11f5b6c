// Texts to ids as each task's expert reads them: framed by the task's prompt template, cut to the base's limit.

extension ExpertSnapshot {
    /// Ids of `text` for `task` (framed by its expert's prompt template, if it has one), cut to the tokenizer's
    /// limit, and whether anything was cut. An unknown task reads the plain text.
    public func encode(_ text: String, task: String) -> (ids: [Int32], truncated: Bool) {
        let template = expert(forKey: task)?.metadata.promptTemplate
        let full = base.encode(text, template: template, truncate: false)
        guard full.count > base.tokenizer.maxLength else { return (full, false) }
        return (base.encode(text, template: template, truncate: true), true)
    }
}
