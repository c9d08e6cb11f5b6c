// The live precision alarm's reading: which audits count, the interval, when it alarms; and the tightening that
// answers it.

import Moderation
import Testing

@Suite("PrecisionWatch")
struct PrecisionWatchTests {
    let labels = ["ok", "bad"]
    let calibration = Calibration(targetPrecision: 0.9, thresholds: ["ok": 0.7, "bad": 0.8])

    /// `count` audits of label `top` (index) at score `score`, `agreed` of them confirmed by the human.
    func audits(top: Int, score: Float, count: Int, agreed: Int) -> [ThresholdCalibrator.Sample] {
        let scores: [Float] = top == 0 ? [score, 1 - score] : [1 - score, score]
        return (0..<count).map { ThresholdCalibrator.Sample(scores: scores, label: $0 < agreed ? top : 1 - top) }
    }

    @Test func noAuditsNoAlarm() {
        let watch = PrecisionWatch(audits: [], labels: labels, calibration: calibration, target: 0.9, confidence: 0.95)
        #expect(watch.audited == 0)
        #expect(watch.precision == nil)
        #expect(watch.lower == 0)
        #expect(watch.upper == 1)
        #expect(!watch.alarm)
    }

    @Test func tooFewAuditsNeverAlarm() {
        // 1 of 3 agreed: the upper bound (0.86) is below 0.9, but 3 audits are too few to act on.
        let three = PrecisionWatch(
            audits: audits(top: 0, score: 0.9, count: 3, agreed: 1), labels: labels, calibration: calibration,
            target: 0.9, confidence: 0.95)
        #expect(three.upper < 0.9)
        #expect(!three.alarm)
        let twenty = PrecisionWatch(
            audits: audits(top: 0, score: 0.9, count: 20, agreed: 14), labels: labels, calibration: calibration,
            target: 0.9, confidence: 0.95)
        #expect(twenty.alarm)
    }

    @Test func aFewBadAuditsAreNotYetProofAndManyAre() {
        // 8 of 10 agreed: 0.8 is below 0.9, but the upper bound (0.96) is not.
        let few = PrecisionWatch(
            audits: audits(top: 0, score: 0.9, count: 10, agreed: 8), labels: labels, calibration: calibration,
            target: 0.9, confidence: 0.95)
        #expect(few.precision == 0.8)
        #expect(few.upper > 0.9)
        #expect(!few.alarm)
        // 160 of 200: the upper bound is about 0.845.
        let many = PrecisionWatch(
            audits: audits(top: 0, score: 0.9, count: 200, agreed: 160), labels: labels, calibration: calibration,
            target: 0.9, confidence: 0.95)
        #expect(many.upper < 0.9)
        #expect(many.lower < 0.8)
        #expect(many.alarm)
        #expect(many.byLabel["ok"]?.audited == 200)
        #expect(many.byLabel["ok"]?.agreed == 160)
    }

    @Test func auditsTheThresholdsNoLongerAdmitDoNotCount() {
        // Bad decisions at 0.75 (admitted by τ_ok = 0.7), good ones at 0.95.
        let mixed =
            audits(top: 0, score: 0.75, count: 100, agreed: 60) + audits(top: 0, score: 0.95, count: 100, agreed: 99)
        let loose = PrecisionWatch(
            audits: mixed, labels: labels, calibration: calibration, target: 0.9, confidence: 0.95)
        #expect(loose.audited == 200)
        #expect(loose.alarm)
        var tight = calibration
        tight.thresholds["ok"] = 0.9
        let reread = PrecisionWatch(audits: mixed, labels: labels, calibration: tight, target: 0.9, confidence: 0.95)
        #expect(reread.audited == 100)
        #expect(reread.agreed == 99)
        #expect(!reread.alarm)
        // No calibration: nothing is decided automatically, so no audit counts.
        let none = PrecisionWatch(audits: mixed, labels: labels, calibration: nil, target: 0.9, confidence: 0.95)
        #expect(none.audited == 0)
    }

    @Test func tighteningRaisesOnlyTheLabelBelowTheTarget() throws {
        let samples =
            audits(top: 0, score: 0.75, count: 100, agreed: 60) + audits(top: 0, score: 0.95, count: 100, agreed: 99)
            + audits(top: 1, score: 0.9, count: 50, agreed: 49)
        let watch = PrecisionWatch(
            audits: samples, labels: labels, calibration: calibration, target: 0.9, confidence: 0.95)
        #expect(watch.alarm)
        let next = ThresholdTightening.tightened(calibration, watch: watch, samples: samples, labels: labels)
        let ok = try #require(next.thresholds["ok"])
        #expect(abs(ok - 0.95) < 1e-6)
        #expect(next.thresholds["bad"] == 0.8)
        let after = PrecisionWatch(audits: samples, labels: labels, calibration: next, target: 0.9, confidence: 0.95)
        #expect(!after.alarm)
    }

    @Test func aLabelNoThresholdCanSaveLosesIt() {
        // Uniformly bad at every score: no τ certifies it, so its texts all go to review.
        let samples =
            audits(top: 0, score: 0.8, count: 100, agreed: 70) + audits(top: 0, score: 0.99, count: 100, agreed: 70)
        let watch = PrecisionWatch(
            audits: samples, labels: labels, calibration: calibration, target: 0.9, confidence: 0.95)
        let next = ThresholdTightening.tightened(calibration, watch: watch, samples: samples, labels: labels)
        #expect(next.thresholds["ok"] == nil)
        #expect(next.thresholds["bad"] == 0.8)
    }

    @Test func aThresholdThatWouldAdmitTheSameTextsAgainIsDropped() {
        // The samples (fewer audits than the window's) look fine at the lowest admitted score, though the watch
        // alarmed on them: the label is dropped rather than left as it was.
        let samples = audits(top: 0, score: 0.9, count: 100, agreed: 99)
        let alarmed = PrecisionWatch(
            audits: audits(top: 0, score: 0.9, count: 200, agreed: 150), labels: labels, calibration: calibration,
            target: 0.9, confidence: 0.95)
        let next = ThresholdTightening.tightened(calibration, watch: alarmed, samples: samples, labels: labels)
        #expect(next.thresholds["ok"] == nil)
    }
}
