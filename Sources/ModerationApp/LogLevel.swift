// The log level setting.

/// How much the service logs: `--log-level`.
public enum LogLevel: String, Sendable, CaseIterable {
    case trace, debug, info, notice, warning, error, critical
}
