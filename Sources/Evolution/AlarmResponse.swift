// What the service does by itself when a task's live precision alarm is raised.

/// `alert`: only the metric, the stats field and the log line. `tighten`: raise the thresholds of the labels
/// that fell below the target, or drop them, so more texts go to review (`ThresholdTightening`). `rollback`:
/// serve the previous version again, as `POST /v1/experts/{task}/rollback` does (tighten when there is none).
/// `auto` (the default): roll back when the previous version's own audits raise no alarm (a new version that
/// went wrong goes back to the one that served well), else tighten (drift of a version that served well, or
/// nothing sound to go back to).
public enum AlarmResponse: String, Sendable, Codable, CaseIterable {
    case auto
    case alert
    case tighten
    case rollback
}
