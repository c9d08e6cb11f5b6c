// Which precision a calibration promises: each label's own, or that of all automatic decisions together.

/// What the target precision of a calibration applies to.
///
/// - `label`: each label's automatic decisions on their own reach the target (the stricter promise: a label with
///   few samples may get no threshold at all).
/// - `decisions`: all automatic decisions together reach it, whatever label they give: the share of automatic
///   decisions that are right, which is what the audits, the precision alarm and the shadow phase measure. It
///   decides more from the same samples, because one bound on all of them is tighter than one per label, but a
///   rare label's own precision may then be below the target while the majority label's is above it.
public enum PrecisionScope: String, Sendable, Codable, CaseIterable {
    case label
    case decisions
}
