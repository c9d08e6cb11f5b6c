// The shipped default bundle (experts/default): it loads on the real base, every task is calibrated at 0.9, and
// `moecl classify` uses it when no bundle is named.

import Foundation
import MoELoRA
import TestSupport
import Testing

@Suite("Default experts", .enabled(if: TestPaths.baseModel != nil, "base model not fetched: run make setup"))
struct DefaultExpertsTests {
    static let folder = TestPaths.packageRoot.appendingPathComponent("experts/default")
    static let tasks = ["clickbait", "sms-spam", "tweeteval-hate", "tweeteval-offensive", "youtube-spam"]

    @Test func loadsCalibratedAndSmall() throws {
        let base = try BaseModel.load(folder: try #require(TestPaths.baseModel).path)
        let snapshot = try ExpertBundle.load(folder: Self.folder.path, base: base)
        #expect(snapshot.taskNames == Self.tasks)
        for name in Self.tasks {
            let expert = try snapshot.task(name)
            #expect(expert.labels == ["compliant", "violating"] && expert.metadata.compliantLabel == "compliant")
            #expect(expert.metadata.calibration?.targetPrecision == 0.9, "\(name) is not calibrated at 0.9")
        }
        let bytes = try FileManager.default.subpathsOfDirectory(atPath: Self.folder.path).reduce(0) { total, path in
            let attributes = try FileManager.default.attributesOfItem(
                atPath: Self.folder.appendingPathComponent(path).path)
            return total
                + ((attributes[.type] as? FileAttributeType) == .typeRegular ? (attributes[.size] as? Int ?? 0) : 0)
        }
        #expect(bytes < 10 << 20, "the default bundle must stay well under 10 MB, it is \(bytes) bytes")
    }

    @Test
    func classifyUsesTheDefaultBundle() throws {
        let spam = "WINNER!! You have won a free prize, text CLAIM to 80086 now to collect your cash"
        let result = try ClassifyInspectCommandTests.moecl(
            ["classify", "--task", "sms-spam", "--threads", "1"],
            stdin: Data("\(spam)\nsee you at lunch tomorrow?\n".utf8))
        #expect(result.status == 0, "\(result.err)")
        let objects = try ClassifyInspectCommandTests.objects(result.out)
        #expect(objects.count == 2)
        // Functional checks only: how well the shipped experts classify is measured in docs/RESULTS.md, not here.
        for object in objects {
            #expect(object["task"] as? String == "sms-spam" && object["version"] as? Int == 1)
            #expect(
                ["white", "black", "review"].contains(object["decision"] as? String ?? ""), "calibrated: a decision")
            let scores = try #require(object["scores"] as? [String: Double])
            #expect(Set(scores.keys) == ["compliant", "violating"] && abs(scores.values.reduce(0, +) - 1) < 1e-5)
        }
    }
}
