// The deployment rule: only the top label can be auto-assigned, and only at or above its threshold.

import Moderation
import Testing

@Suite("DecisionRule")
struct DecisionRuleTests {
    let moderation = DecisionRule(
        labels: ["compliant", "violating"], compliantLabel: "compliant",
        calibration: Calibration(targetPrecision: 0.9, thresholds: ["compliant": 0.8, "violating": 0.7]))

    @Test func moderationTaskGivesWhiteBlackOrReview() {
        #expect(moderation.decide([0.85, 0.15]) == .white)
        #expect(moderation.decide([0.8, 0.2]) == .white)  // at the threshold: decided
        #expect(moderation.decide([0.75, 0.25]) == .review)
        #expect(moderation.decide([0.3, 0.7]) == .black)
        #expect(moderation.decide([0.35, 0.65]) == .review)
    }

    @Test func onlyTheTopLabelCanBeDecided() {
        // violating's threshold is below 0.5, but a text whose top label is compliant is never black.
        let rule = DecisionRule(
            labels: ["compliant", "violating"], compliantLabel: "compliant",
            calibration: Calibration(targetPrecision: 0.8, thresholds: ["violating": 0.3]))
        #expect(rule.decide([0.6, 0.4]) == .review)
        #expect(rule.decide([0.4, 0.6]) == .black)
    }

    @Test func otherTasksGiveAutoOrReview() {
        let rule = DecisionRule(
            labels: ["world", "sports", "business"], compliantLabel: nil,
            calibration: Calibration(targetPrecision: 0.9, thresholds: ["sports": 0.6]))
        #expect(rule.decide([0.1, 0.7, 0.2]) == .auto)
        #expect(rule.decide([0.7, 0.2, 0.1]) == .review)  // no threshold for 'world'
        #expect(Decision.auto.isAutomatic && !Decision.review.isAutomatic)
    }

    @Test func calibrationProblemsAreNamed() {
        let labels = ["compliant", "violating"]
        #expect(Calibration(targetPrecision: 0.9, thresholds: ["compliant": 0.9]).problem(labels: labels) == nil)
        #expect(Calibration(targetPrecision: 1.5, thresholds: [:]).problem(labels: labels)?.contains("outside") == true)
        #expect(
            Calibration(targetPrecision: 0.9, thresholds: ["spam": 0.9]).problem(labels: labels)?
                .contains("unknown label 'spam'") == true)
        #expect(
            Calibration(targetPrecision: 0.9, thresholds: ["compliant": 1.2]).problem(labels: labels)?
                .contains("outside [0, 1]") == true)
    }

    @Test func theTopScoreIsTheFirstOnTiesAndAGivenTopDecidesTheSame() {
        #expect(
            TopScore.index([0.2, 0.5, 0.5]) == 1 && TopScore.index([0.9]) == 0 && TopScore.index([0.1, 0.3, 0.6]) == 2)
        let rule = DecisionRule(
            labels: ["compliant", "violating"], compliantLabel: "compliant",
            calibration: Calibration(targetPrecision: 0.9, thresholds: ["compliant": 0.6, "violating": 0.7]))
        for scores: [Float] in [[0.9, 0.1], [0.35, 0.65], [0.2, 0.8], [0.5, 0.5]] {
            #expect(rule.decide(scores, top: TopScore.index(scores)) == rule.decide(scores))
        }
    }
}
