// The texts a command works on, from `--text` flags or stdin lines, handed over in batches.

/// Feeds texts in batches of `size`: the `--text` values when there are any, else stdin lines (`LineReader`:
/// invalid UTF-8 is an error naming the line).
enum InputBatches {
    static func forEach(texts: [String], size: Int, _ body: ([String]) throws -> Void) throws {
        var pending: [String] = []
        pending.reserveCapacity(size)
        func add(_ text: String) throws {
            pending.append(text)
            if pending.count == size {
                try body(pending)
                pending.removeAll(keepingCapacity: true)
            }
        }
        if !texts.isEmpty {
            for text in texts { try add(text) }
        } else {
            var reader = LineReader()
            while let line = try reader.next() { try add(line) }
        }
        if !pending.isEmpty { try body(pending) }
    }
}
