// The occlusion explanation on the shipped experts and real texts: the spans it ranks highest matter more to the
// score than spans picked at random (a method that ranked at random would tie).

import Foundation
import MoELoRA
import Moderation
import TensorCore
import TestSupport
import Testing

@Suite("occlusion on the shipped experts")
struct OcclusionSanityTests {
    static let bundle = TestPaths.packageRoot.appendingPathComponent("experts/default")

    @Test(
        "removing the 2 top-attributed spans lowers the top score more than removing 2 random ones (40 real violating texts per task, ../shared/data test splits)",
        .enabled(if: TestPaths.baseModel != nil, "base model not fetched: run make setup"),
        .enabled(if: TestPaths.sharedData != nil, "../shared/data is absent"),
        arguments: ["sms-spam", "tweeteval-offensive"])
    func topSpansMatterMore(task: String) throws {
        let base = try BaseModel.load(path: try #require(TestPaths.baseModel).path, precision: .auto)
        let snapshot = try ExpertBundle.load(folder: Self.bundle.path, base: base)
        let expert = try #require(snapshot.tasks[task])
        let violating = try #require(expert.metadata.labels.first { $0 != expert.metadata.compliantLabel })
        let file = try #require(TestPaths.sharedData).appendingPathComponent("moderation-en/\(task)/test.jsonl")
        let texts = try TestPaths.jsonLines(file)
            .filter { $0["label"] as? String == violating }
            .compactMap { $0["text"] as? String }
            .filter { TextSpan.words(in: $0).count >= 6 }
            .prefix(40)
        #expect(texts.count == 40)
        func topScores(_ batch: [String], label: Int? = nil) throws -> [(top: Int, score: Double)] {
            let ids = batch.map { snapshot.encode($0, task: task).ids }
            return try snapshot.classify(sequences: ids, tasks: Array(repeating: task, count: ids.count)).map {
                let top = label ?? $0.top
                return (top, Double($0.scores[top]))
            }
        }
        var rng = SplitMix64(seed: 7)
        var topDrops: [Double] = [], randomDrops: [Double] = []
        for text in texts {
            let full = try topScores([text])[0]
            let spans = Occlusion.spans(of: text, maxSpans: 32)
            let occluded = try topScores(spans.map { Occlusion.removing($0, from: text) }, label: full.top)
            let attributions = Occlusion.attributions(full: full.score, occluded: occluded.map(\.score))
            let ranked = attributions.indices.sorted { attributions[$0] > attributions[$1] }
            var shuffled = Array(spans.indices)
            for i in stride(from: shuffled.count - 1, to: 0, by: -1) {
                shuffled.swapAt(i, Int(rng.next() % UInt64(i + 1)))
            }
            let variants = [ranked, shuffled].map { order in
                Occlusion.removing(order.prefix(2).map { spans[$0] }, from: text)
            }
            let scores = try topScores(variants, label: full.top)
            topDrops.append(full.score - scores[0].score)
            randomDrops.append(full.score - scores[1].score)
        }
        let meanTop = topDrops.reduce(0, +) / Double(texts.count)
        let meanRandom = randomDrops.reduce(0, +) / Double(texts.count)
        let wins = zip(topDrops, randomDrops).filter { $0 > $1 }.count
        #expect(
            meanTop > meanRandom + 0.05 && wins >= 24,
            "\(task): mean drop top \(meanTop), random \(meanRandom); top ahead in \(wins) of \(texts.count)")
    }
}
