// Bounds on what an expert file may contain, checked before anything is loaded.

/// Limits that keep a bad or hostile expert file from exhausting memory or confusing clients.
public enum ExpertLimits {
    /// Largest LoRA rank.
    public static let maxRank = 256
    /// Most labels of one task.
    public static let maxLabels = 1_000
    /// Longest label and task name, in bytes.
    public static let maxNameBytes = 64
    /// Largest expert file, in bytes.
    public static let maxFileBytes = 512 << 20
    /// Largest magnitude of any weight. Trained experts stay far below it (the shipped ones: under 0.3); a finite
    /// but huge weight (3e38) would overflow the forward pass into infinities and NaNs.
    public static let maxWeightMagnitude: Float = 1e4

    /// Why `name` cannot name a task, or nil: 1–64 bytes of letters, digits, '_', '-', '.', not starting with
    /// '.' or '-'.
    public static func problem(taskName name: String) -> String? {
        if name.isEmpty || name.utf8.count > maxNameBytes { return "a task name has 1 to \(maxNameBytes) bytes" }
        if name.hasPrefix(".") || name.hasPrefix("-") { return "a task name cannot start with '.' or '-'" }
        let allowed = name.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
                || "_-.".unicodeScalars.contains($0)
        }
        return allowed ? nil : "'\(name)' may use only letters, digits, '_', '-' and '.'"
    }

    /// Why `labels` cannot be a task's label set, or nil: 2 to `maxLabels` unique, non-empty, short labels.
    public static func problem(labels: [String]) -> String? {
        if labels.count < 2 { return "a task needs at least two labels, found \(labels)" }
        if labels.count > maxLabels { return "\(labels.count) labels is over the \(maxLabels)-label limit" }
        if let empty = labels.firstIndex(where: { $0.isEmpty }) { return "label \(empty) is empty" }
        if let long = labels.first(where: { $0.utf8.count > maxNameBytes }) {
            return "label '\(long.prefix(20))…' is over \(maxNameBytes) bytes"
        }
        var seen = Set<String>()
        for label in labels where !seen.insert(label).inserted { return "label '\(label)' appears twice" }
        return nil
    }
}
