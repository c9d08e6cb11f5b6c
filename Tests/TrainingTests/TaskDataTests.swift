// Reading task data: the real suites when ../shared/data is present, and every bad-data case with file and line.

import Foundation
import TestSupport
import Testing
import Training

@Suite("TaskData")
struct TaskDataTests {
    static func folder(_ files: [String: String]) throws -> URL {
        let url = TestPaths.temporaryFolder("moecl-data")
        for (name, text) in files { try Data(text.utf8).write(to: url.appendingPathComponent(name)) }
        return url
    }

    static let good = [
        "train.jsonl":
            "{\"text\": \"hi\", \"label\": \"compliant\"}\n\n{\"text\": \"buy\", \"label\": \"violating\"}\n",
        "dev.jsonl": "{\"text\": \"ok\", \"label\": \"compliant\"}\n",
        "test.jsonl": "{\"text\": \"spam\", \"label\": \"violating\"}\n",
    ]

    @Test func readsSplitsWithLabelOrder() throws {
        let url = try Self.folder(Self.good)
        defer { try? FileManager.default.removeItem(at: url) }
        let data = try TaskData.load(folder: url.path, name: "t")
        #expect(data.labels == ["compliant", "violating"])
        #expect(data.train == [LabelledText(text: "hi", label: 0), LabelledText(text: "buy", label: 1)])
        #expect(data.dev.count == 1 && data.test == [LabelledText(text: "spam", label: 1)])
    }

    @Test func badDataNamesFileAndLine() throws {
        func error(_ change: [String: String], labels: [String]? = nil) throws -> DataError? {
            var files = Self.good
            for (k, v) in change { files[k] = v }
            let url = try Self.folder(files.filter { !$0.value.isEmpty || $0.key == "dev.jsonl" })
            defer { try? FileManager.default.removeItem(at: url) }
            do {
                _ = try TaskData.load(folder: url.path, labels: labels)
                return nil
            } catch let e as DataError { return e }
        }
        guard
            case .invalidJSON(let p, 2, _) = try error([
                "dev.jsonl": "{\"text\": \"a\", \"label\": \"compliant\"}\n{oops\n"
            ])
        else {
            Issue.record("invalid JSON not reported"); return
        }
        #expect(p.hasSuffix("dev.jsonl"))
        guard case .invalidJSON(_, 1, let reason) = try error(["dev.jsonl": "{\"label\": \"compliant\"}\n"]) else {
            Issue.record("missing text not reported"); return
        }
        #expect(reason.contains("\"text\""))
        guard
            case .unknownLabel(_, 1, "maybe", _) = try error(
                ["test.jsonl": "{\"text\": \"x\", \"label\": \"maybe\"}\n"],
                labels: ["compliant", "violating"])
        else {
            Issue.record("unknown label not reported"); return
        }
        guard case .emptyTask = try error(["dev.jsonl": "\n"]) else { Issue.record("empty split not reported"); return }
        guard case .missingFile(let missing) = try error(["test.jsonl": ""]) else {
            Issue.record("missing file"); return
        }
        #expect(missing.hasSuffix("test.jsonl"))
        let url = try Self.folder(Self.good)
        defer { try? FileManager.default.removeItem(at: url) }
        var bytes = Data("{\"text\": \"ok\", \"label\": \"compliant\"}\n{\"text\": \"".utf8)
        bytes.append(contentsOf: [0xC3, 0x28])
        bytes.append(Data("\", \"label\": \"compliant\"}\n".utf8))
        try bytes.write(to: url.appendingPathComponent("train.jsonl"))
        #expect(throws: DataError.invalidUTF8(path: url.appendingPathComponent("train.jsonl").path, line: 2)) {
            _ = try TaskData.load(folder: url.path)
        }
        #expect(
            DataError.invalidUTF8(path: "f", line: 2).description
                == "f:2: the line is not valid UTF-8; re-encode the file as UTF-8")
    }

    @Test(.enabled(if: TestPaths.sharedData != nil, "../shared/data not present"))
    func realSuiteCountsMatchItsTaskList() throws {
        let suite = try #require(TestPaths.sharedData).appendingPathComponent("moderation-en")
        let list =
            try JSONSerialization.jsonObject(with: Data(contentsOf: suite.appendingPathComponent("tasks.json")))
            as! [String: Any]
        for task in list["tasks"] as! [[String: Any]] {
            let name = task["name"] as! String, labels = task["labels"] as! [String]
            let counts = task["counts"] as! [String: [String: Int]]
            let data = try TaskData.load(folder: suite.appendingPathComponent(name).path, labels: labels)
            #expect(data.train.count == counts["train"]!["total"] && data.dev.count == counts["dev"]!["total"])
            #expect(data.test.count == counts["test"]!["total"])
            #expect(data.train.filter { $0.label == 1 }.count == counts["train"]!["violating"])
        }
    }
}
