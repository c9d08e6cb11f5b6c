// The mean of a figure over seeds with its 95 % Student-t interval: how the reports state "n seeds, mean [lo, hi]".

/// Mean and two-sided 95 % confidence interval of the mean of independent runs (seeds), by Student's t with
/// n − 1 degrees of freedom. It assumes the runs' figures are independent draws of one distribution, roughly
/// normal; with three seeds the interval is wide (t = 4.30), as it should be.
public struct SeedInterval: Sendable, Equatable, Codable {
    public let count: Int
    public let mean: Double
    /// Sample standard deviation (n − 1 in the denominator); 0 for a single value.
    public let standardDeviation: Double
    /// Bounds of the 95 % interval; equal to the mean for a single value (no interval can be given).
    public let lower: Double
    public let upper: Double

    /// nil for no values.
    public init?(_ values: [Double]) {
        guard !values.isEmpty else { return nil }
        count = values.count
        mean = values.reduce(0, +) / Double(values.count)
        guard values.count > 1 else {
            standardDeviation = 0
            lower = mean
            upper = mean
            return
        }
        let m = mean
        let variance = values.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(values.count - 1)
        standardDeviation = variance.squareRoot()
        let half = Self.t975(degreesOfFreedom: values.count - 1) * standardDeviation / Double(values.count).squareRoot()
        lower = mean - half
        upper = mean + half
    }

    /// Whether the two intervals share no point (the "non-overlapping intervals").
    public func separated(from other: SeedInterval) -> Bool { upper < other.lower || other.upper < lower }

    /// The 0.975 quantile of Student's t (standard tables, 3 decimals); the normal 1.960 beyond 120 degrees.
    public static func t975(degreesOfFreedom df: Int) -> Double {
        precondition(df >= 1, "degrees of freedom must be at least 1")
        let table: [Double] = [
            12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
            2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
            2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
        ]
        if df <= table.count { return table[df - 1] }
        if df <= 40 { return 2.021 }
        if df <= 60 { return 2.000 }
        if df <= 120 { return 1.980 }
        return 1.960
    }

    enum CodingKeys: String, CodingKey {
        case count, mean, lower, upper
        case standardDeviation = "standard_deviation"
    }
}
