// The top-scoring label: the one label that can be decided automatically.

/// Which score is highest.
public enum TopScore {
    /// The index of the highest score, the first on ties (scores are never empty).
    public static func index(_ scores: [Float]) -> Int {
        var top = 0
        for i in scores.indices where scores[i] > scores[top] { top = i }
        return top
    }
}
