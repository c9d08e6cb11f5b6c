// What `--precision` asks for: a precision, or `auto` (the fastest one whose accuracy guard has been measured).

/// `auto` (the default): int8 on a BERT encoder, whose int8 guard holds on every test split of both suites
/// (docs/PERFORMANCE.md), fp32 on a Llama decoder, whose int8 path has no such guard yet. `fp32` and `int8` ask
/// for that precision on either family.
public enum PrecisionSetting: String, Sendable, CaseIterable, Codable {
    case auto
    case fp32
    case int8

    /// The precision that runs; `autoIsInt8`: whether `auto` picks int8 for this base.
    public func resolved(autoIsInt8: Bool) -> Precision {
        switch self {
        case .auto: autoIsInt8 ? .int8 : .fp32
        case .fp32: .fp32
        case .int8: .int8
        }
    }
}
