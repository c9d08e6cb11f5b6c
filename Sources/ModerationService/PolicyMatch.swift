// Which policy list entry matched a text, as the API returns it.

import Moderation

/// The list version, the entry (its position and content) and the code points of the text that matched.
struct PolicyMatch: Encodable {
    let version: Int
    let entry: Int
    let match: PolicyEntry.Match
    let value: String
    let action: PolicyEntry.Action
    let start: Int
    let end: Int

    init(_ hit: PolicyHit, version: Int) {
        self.version = version
        entry = hit.index
        match = hit.entry.match
        value = hit.entry.value
        action = hit.entry.action
        start = hit.range.lowerBound
        end = hit.range.upperBound
    }
}
