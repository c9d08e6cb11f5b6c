// What the service does by itself when a task's live precision alarm is raised.

/// `alert`: only the metric, the stats field and the log line. `tighten`: raise the thresholds of the labels
/// that fell below the target, or drop them, so more texts go to review (`ThresholdTightening`). `rollback`:
/// serve the previous version again, as `POST /v1/experts/{task}/rollback` does (tighten when there is none).
public enum AlarmResponse: String, Sendable, Codable, CaseIterable {
    case alert
    case tighten
    case rollback
}
