// The errors of reading training and evaluation data: each names the file, the line and what to do.

/// Everything that can be wrong with a task's data files.
public enum DataError: Error, CustomStringConvertible, Equatable, Sendable {
    case missingFile(path: String)
    case unreadable(path: String, reason: String)
    case invalidUTF8(path: String, line: Int)
    case invalidJSON(path: String, line: Int, reason: String)
    case unknownLabel(path: String, line: Int, label: String, labels: [String])
    case emptyTask(path: String)
    case invalidSuite(path: String, reason: String)
    case badCheckpoint(path: String, reason: String)

    public var description: String {
        switch self {
        case .missingFile(let path):
            return "\(path): no such file; a task folder holds train.jsonl, dev.jsonl and test.jsonl"
        case .unreadable(let path, let reason):
            return "\(path): cannot read the file (\(reason))"
        case .invalidUTF8(let path, let line):
            return "\(path):\(line): the line is not valid UTF-8; re-encode the file as UTF-8"
        case .invalidJSON(let path, let line, let reason):
            return
                "\(path):\(line): \(reason); each line must be one JSON object {\"text\": \"...\", \"label\": \"...\"}"
        case .unknownLabel(let path, let line, let label, let labels):
            return
                "\(path):\(line): label '\(label)' is not one of the task's labels \(labels); "
                + "fix the line or the label list"
        case .emptyTask(let path):
            return "\(path): no examples; a task needs at least one labelled line in each split"
        case .invalidSuite(let path, let reason):
            return "\(path): \(reason); a suite folder holds tasks.json and one folder per task"
        case .badCheckpoint(let path, let reason):
            return "\(path): not a usable training checkpoint: \(reason)"
        }
    }
}
