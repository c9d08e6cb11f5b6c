// The extra sequences one explained (text, task) pair needs: its text without each of its spans.

import MoELoRA
import Moderation

/// The spans of one pair's text and the token ids of each variant (the text without that span), encoded with the
/// task's prompt template.
struct ExplanationPlan {
    let task: String
    let spans: [TextSpan]
    let ids: [[Int32]]

    init(text: String, task: String, maxSpans: Int, snapshot: ExpertSnapshot) {
        self.task = task
        spans = Occlusion.spans(of: text, maxSpans: maxSpans)
        ids = spans.map { snapshot.encode(Occlusion.removing($0, from: text), task: task).ids }
    }

    /// The explanation of the pair's top label from its scores on the whole text and on every variant.
    func explanation(full: TaskScores, occluded: [TaskScores]) -> Explanation {
        let top = full.top
        return Explanation(
            label: full.labels[top], full: Double(full.scores[top]), spans: spans,
            occluded: occluded.map { Double($0.scores[top]) })
    }
}
