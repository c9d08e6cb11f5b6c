// Accuracy, per-class F1 and macro-F1 of class predictions against gold labels.

/// Accuracy and F1 scores of integer class predictions against gold labels.
///
/// Classes are the integers `0..<classes`. For class `c`, with `tp` samples labelled and predicted `c`,
/// `fp` predicted `c` but labelled otherwise, and `fn` labelled `c` but predicted otherwise,
/// `F1_c = 2·tp / (2·tp + fp + fn)`, and 0 when the class occurs neither in the labels nor in the predictions.
///
/// Macro-F1 is the unweighted mean of `F1_c` over the classes that occur in the labels or in the
/// predictions; classes that occur in neither are excluded from the mean (their entry in
/// `perClassF1` is still 0). With no such class, macro-F1 is 0.
///
/// A prediction outside `0..<classes` (for example −1 for "abstained") is simply wrong: it counts
/// as a miss for the true class and as nobody's false positive. Labels outside `0..<classes` count
/// towards `count` and accuracy but toward no class's F1.
public struct ClassificationMetrics: Sendable, Equatable, Codable {
    /// Number of samples scored.
    public let count: Int
    /// Share of samples whose prediction equals the label; 0 when there are no samples.
    public let accuracy: Double
    /// Unweighted mean of the per-class F1 over the classes present in labels or predictions.
    public let macroF1: Double
    /// F1 of each class `0..<classes`, in class order.
    public let perClassF1: [Double]

    /// Scores `predictions` against `labels`, which must have the same length.
    public init(predictions: [Int], labels: [Int], classes: Int) {
        precondition(
            predictions.count == labels.count,
            "\(predictions.count) predictions for \(labels.count) labels")
        precondition(classes >= 0, "negative class count \(classes)")
        var truePositives = [Int](repeating: 0, count: classes)
        var predicted = [Int](repeating: 0, count: classes)
        var actual = [Int](repeating: 0, count: classes)
        var correct = 0
        for (prediction, label) in zip(predictions, labels) {
            if prediction == label { correct += 1 }
            if (0..<classes).contains(prediction) { predicted[prediction] += 1 }
            if (0..<classes).contains(label) {
                actual[label] += 1
                if prediction == label { truePositives[label] += 1 }
            }
        }
        var f1 = [Double](repeating: 0, count: classes)
        var presentSum = 0.0
        var present = 0
        for c in 0..<classes {
            let denominator = predicted[c] + actual[c]  // 2·tp + fp + fn
            guard denominator > 0 else { continue }
            f1[c] = Double(2 * truePositives[c]) / Double(denominator)
            presentSum += f1[c]
            present += 1
        }
        count = labels.count
        accuracy = labels.isEmpty ? 0 : Double(correct) / Double(labels.count)
        macroF1 = present == 0 ? 0 : presentSum / Double(present)
        perClassF1 = f1
    }

    enum CodingKeys: String, CodingKey {
        case count, accuracy, macroF1 = "macro_f1", perClassF1 = "per_class_f1"
    }
}
