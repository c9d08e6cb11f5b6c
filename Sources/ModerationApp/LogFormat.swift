// The log format setting.

/// How log lines are written: `--log-format`.
public enum LogFormat: String, Sendable, CaseIterable {
    /// One readable line per event: time, level, subsystem, message, metadata.
    case text
    /// One JSON object per line, for log shippers.
    case json
    /// The message and its metadata only: what the command-line tools print.
    case plain
}
