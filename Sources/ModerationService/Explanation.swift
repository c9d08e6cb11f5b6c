// The occlusion explanation of one (text, task) pair as the API returns it (`"explain": true`).

import Moderation

/// Per span of the text, how much the top label's probability falls without it (`Occlusion`).
struct Explanation: Encodable {
    struct Span: Encodable {
        /// Code point offsets in the text: `start ..< end`.
        let start: Int
        let end: Int
        let text: String
        /// The top label's probability on the whole text minus its probability without this span.
        let attribution: Double
    }

    /// "occlusion".
    let method: String
    /// The label the attributions are for (the top label).
    let label: String
    let spans: [Span]

    /// The explanation of the top label `top` from its full-text score and its score on each span's variant.
    init(label: String, full: Double, spans: [TextSpan], occluded: [Double]) {
        method = "occlusion"
        self.label = label
        self.spans = zip(spans, Occlusion.attributions(full: full, occluded: occluded)).map {
            Span(start: $0.start, end: $0.end, text: $0.text, attribution: $1)
        }
    }
}
