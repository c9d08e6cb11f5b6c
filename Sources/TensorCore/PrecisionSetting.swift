// What `--precision` asks for: a precision, or `auto` (the fastest one the base keeps accurate).

/// `auto` (the default): int8 where the base has an int8 path (a BERT encoder, whose int8 guard holds on every
/// test split of both suites: docs/PERFORMANCE.md), fp32 elsewhere (a Llama base). `fp32` and `int8` ask for that
/// precision; a base without the path refuses `int8` with an error.
public enum PrecisionSetting: String, Sendable, CaseIterable, Codable {
    case auto
    case fp32
    case int8

    /// The precision that runs on a base with (`hasInt8Path`) or without an int8 path; nil: this setting asks
    /// for a path the base does not have.
    public func resolved(hasInt8Path: Bool) -> Precision? {
        switch self {
        case .auto: hasInt8Path ? .int8 : .fp32
        case .fp32: .fp32
        case .int8: hasInt8Path ? .int8 : nil
        }
    }
}
