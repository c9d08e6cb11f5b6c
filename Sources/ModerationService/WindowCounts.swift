// Decision counts of one task over one window, with the reject rate (the share decided automatically).

/// What happened to the texts of one task in one window.
struct WindowCounts: Encodable, Equatable {
    let white: Int
    let black: Int
    let auto: Int
    let review: Int
    let total: Int
    /// (white + black + auto) / total; nil without decisions.
    let rejectRate: Double?
    /// review / total; nil without decisions.
    let reviewRate: Double?

    enum CodingKeys: String, CodingKey {
        case white, black, auto, review, total
        case rejectRate = "reject_rate", reviewRate = "review_rate"
    }

    init(_ counts: [String: Int]) {
        white = counts["white"] ?? 0
        black = counts["black"] ?? 0
        auto = counts["auto"] ?? 0
        review = counts["review"] ?? 0
        total = white + black + auto + review
        rejectRate = total == 0 ? nil : Double(white + black + auto) / Double(total)
        reviewRate = total == 0 ? nil : Double(review) / Double(total)
    }

    /// The standard windows of /v1/stats, and how a `window=` value reads: `all`, or N followed by s, m, h or d.
    static let standardWindows = ["5m", "1h", "24h", "all"]

    /// Seconds of a window name; nil for `all`. Throws for anything else.
    static func seconds(_ window: String) throws(ServiceError) -> Double? {
        if window == "all" { return nil }
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
        guard let unit = window.last.flatMap({ units[$0] }), let n = Int(window.dropLast()), n > 0, n <= 100_000 else {
            throw .validation(
                "window '\(window)' is not one of: all, or a number followed by s, m, h or d (e.g. 5m, 1h, 24h)")
        }
        return Double(n) * unit
    }
}
