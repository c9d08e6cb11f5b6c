// The Prometheus text exposition format: label escaping, numbers, metric families.

/// Helpers to write `/metrics` (text format 0.0.4).
enum PrometheusText {
    /// `name="value"` pairs with values escaped (backslash, quote, newline).
    static func labels(_ pairs: [(String, String)]) -> String {
        pairs.map { name, value in
            let escaped = value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
                .replacingOccurrences(of: "\n", with: "\\n")
            return "\(name)=\"\(escaped)\""
        }.joined(separator: ",")
    }

    /// A sample value: integers without a fraction, others in shortest form.
    static func number(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v > 0 ? "+Inf" : "-Inf" }
        return v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : "\(v)"
    }

    /// A family header.
    static func header(_ name: String, _ type: String, _ help: String) -> [String] {
        ["# HELP \(name) \(help)", "# TYPE \(name) \(type)"]
    }
}
