// A task's labelled data: train, dev and test splits read from JSONL files, every line checked.

import Foundation

/// The three splits of one task, with its ordered labels.
public struct TaskData: Sendable {
    public let name: String
    public let labels: [String]
    public let train: [LabelledText]
    public let dev: [LabelledText]
    public let test: [LabelledText]

    /// Reads `folder/{train,dev,test}.jsonl`; `test` may be absent when `requireTest` is false.
    /// - Parameter labels: the task's labels in head order; nil takes them from the data, sorted, except that a
    ///   compliant/violating task keeps that order.
    /// - Throws: `DataError` naming the file and line.
    public static func load(
        folder: String, name: String? = nil, labels: [String]? = nil,
        requireTest: Bool = true
    ) throws -> TaskData {
        let root = URL(fileURLWithPath: folder)
        let paths = ["train", "dev", "test"].map { root.appendingPathComponent("\($0).jsonl").path }
        var raw: [[(String, String, Int)]] = []
        for (i, path) in paths.enumerated() {
            if i == 2 && !requireTest && !FileManager.default.fileExists(atPath: path) {
                raw.append([])
                continue
            }
            let records = try readJSONL(path)
            if records.isEmpty { throw DataError.emptyTask(path: path) }
            raw.append(records)
        }
        let labelList = labels ?? inferLabels(raw.flatMap { $0.map(\.1) })
        let index = Dictionary(uniqueKeysWithValues: labelList.enumerated().map { ($1, $0) })
        func convert(_ records: [(String, String, Int)], _ path: String) throws -> [LabelledText] {
            try records.map { text, label, line in
                guard let i = index[label] else {
                    throw DataError.unknownLabel(path: path, line: line, label: label, labels: labelList)
                }
                return LabelledText(text: text, label: i)
            }
        }
        return TaskData(
            name: name ?? root.lastPathComponent, labels: labelList, train: try convert(raw[0], paths[0]),
            dev: try convert(raw[1], paths[1]), test: try convert(raw[2], paths[2]))
    }

    /// The labelled lines of one JSONL file, with labels from `labels`.
    /// - Throws: `DataError` naming the file and line (missing file, no examples, bad JSON or UTF-8, unknown label).
    public static func labelled(path: String, labels: [String]) throws -> [LabelledText] {
        let records = try readJSONL(path)
        if records.isEmpty { throw DataError.emptyTask(path: path) }
        let index = Dictionary(uniqueKeysWithValues: labels.enumerated().map { ($1, $0) })
        return try records.map { text, label, line in
            guard let i = index[label] else {
                throw DataError.unknownLabel(path: path, line: line, label: label, labels: labels)
            }
            return LabelledText(text: text, label: i)
        }
    }

    /// (text, label, line number) of every non-empty line of a JSONL file.
    static func readJSONL(_ path: String) throws -> [(String, String, Int)] {
        guard FileManager.default.fileExists(atPath: path) else { throw DataError.missingFile(path: path) }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DataError.unreadable(path: path, reason: "permission denied or not a regular file")
        }
        var records: [(String, String, Int)] = []
        var lineNumber = 0
        for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            if line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\r") || $0 == UInt8(ascii: "\t") }) {
                continue
            }
            guard String(validating: line, as: UTF8.self) != nil else {
                throw DataError.invalidUTF8(path: path, line: lineNumber)
            }
            let object: Any
            do { object = try JSONSerialization.jsonObject(with: Data(line)) } catch {
                throw DataError.invalidJSON(path: path, line: lineNumber, reason: "not valid JSON")
            }
            guard let dict = object as? [String: Any] else {
                throw DataError.invalidJSON(path: path, line: lineNumber, reason: "not a JSON object")
            }
            guard let text = dict["text"] as? String else {
                throw DataError.invalidJSON(path: path, line: lineNumber, reason: "no string field \"text\"")
            }
            guard let label = dict["label"] as? String else {
                throw DataError.invalidJSON(path: path, line: lineNumber, reason: "no string field \"label\"")
            }
            records.append((text, label, lineNumber))
        }
        return records
    }

    static func inferLabels(_ seen: [String]) -> [String] {
        let set = Set(seen)
        if set == ["compliant", "violating"] { return ["compliant", "violating"] }
        return set.sorted()
    }
}
