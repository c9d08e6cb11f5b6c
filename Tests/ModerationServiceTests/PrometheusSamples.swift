// Reading samples out of Prometheus text, label order aside.

/// The samples of an exposition: name, labels and value per line.
struct PrometheusSamples {
    struct Sample {
        let name: String
        let labels: [String: String]
        let value: Double
    }

    let samples: [Sample]

    init(_ text: String) {
        samples = text.split(separator: "\n").compactMap { line in
            guard !line.hasPrefix("#"), let space = line.lastIndex(of: " ") else { return nil }
            let series = line[..<space]
            let value = Double(line[line.index(after: space)...].replacingOccurrences(of: "+Inf", with: "inf")) ?? .nan
            guard let open = series.firstIndex(of: "{") else {
                return Sample(name: String(series), labels: [:], value: value)
            }
            var labels: [String: String] = [:]
            var rest = series[series.index(after: open)...].dropLast()  // without the closing brace
            while let equals = rest.firstIndex(of: "=") {
                let key = String(rest[..<equals])
                var value = ""
                var i = rest.index(equals, offsetBy: 2)  // past ="
                while i < rest.endIndex, rest[i] != "\"" {
                    if rest[i] == "\\" { i = rest.index(after: i) }
                    value.append(rest[i])
                    i = rest.index(after: i)
                }
                labels[key] = value
                rest =
                    rest[min(rest.endIndex, rest.index(i, offsetBy: 2, limitedBy: rest.endIndex) ?? rest.endIndex)...]
            }
            return Sample(name: String(series[..<open]), labels: labels, value: value)
        }
    }

    /// The value of the series `name` whose labels include `labels`; nil when there is none.
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        samples.first { s in s.name == name && labels.allSatisfy { key, value in s.labels[key] == value } }?.value
    }
}
