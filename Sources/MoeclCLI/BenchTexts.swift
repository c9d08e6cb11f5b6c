// The texts of a benchmark case, read from a JSONL file.

import ArgumentParser
import Foundation

/// The texts of a benchmark case: the `text` field of the first lines of a JSONL file.
enum BenchTexts {
    static func read(_ path: String, count: Int) throws -> [String] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ValidationError("cannot read \(path)")
        }
        var inputs: [String] = []
        for line in data.split(separator: UInt8(ascii: "\n")) where !line.isEmpty {
            guard let object = try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any],
                let text = object["text"] as? String
            else { throw ValidationError("\(path): a line lacks \"text\"") }
            inputs.append(text)
            if inputs.count == count { break }
        }
        guard inputs.count == count else { throw ValidationError("\(path) has fewer than \(count) texts") }
        return inputs
    }
}
