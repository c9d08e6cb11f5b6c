// The swift-log handler of the process: each event as one text, JSON or plain line to the entry point's writer.

import Foundation
import HTTPCore
import Logging

/// Writes each event as one line: readable text, a JSON object for log shippers, or the bare message for the
/// command-line tools. Every subsystem logs through swift-log; the entry point installs this handler once with
/// the process's writer (standard error), so no library writes to standard error itself.
public struct LogLineHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    let label: String
    let format: LogFormat
    let write: @Sendable (String) -> Void

    /// The level and format handlers made from now on take; `configure` sets them.
    static let current = LockedBox<(level: Logger.Level, format: LogFormat)>((.info, .plain))
    /// The writer `bootstrap` was given (until then, lines are dropped).
    static let output = LockedBox<@Sendable (String) -> Void>({ _ in })

    public init(label: String, level: Logger.Level, format: LogFormat, write: @escaping @Sendable (String) -> Void) {
        self.label = label
        logLevel = level
        self.format = format
        self.write = write
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields = metadata
        if let extra = event.metadata { fields.merge(extra) { _, new in new } }
        // UTC
        let time = Date().ISO8601Format(.iso8601.year().month().day().time(includingFractionalSeconds: true)) + "Z"
        write(
            Self.line(
                time: time, level: event.level, label: label, message: "\(event.message)", fields: fields,
                format: format))
    }

    /// One line (with its newline) in `format`.
    public static func line(
        time: String, level: Logger.Level, label: String, message: String, fields: Logger.Metadata,
        format: LogFormat
    ) -> String {
        switch format {
        case .text:
            let extra = fields.sorted { $0.key < $1.key }.map { " \($0.key)=\($0.value)" }.joined()
            return "\(time) \(level) \(label): \(message)\(extra)\n"
        case .plain:
            let extra = fields.sorted { $0.key < $1.key }.map { " \($0.key)=\($0.value)" }.joined()
            return "\(message)\(extra)\n"
        case .json:
            var object: [String: String] = ["time": time, "level": "\(level)", "logger": label, "message": message]
            for (key, value) in fields where object[key] == nil { object[key] = "\(value)" }
            let data =
                (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
                ?? Data()
            return String(decoding: data, as: UTF8.self) + "\n"
        }
    }

    /// The process's writer, as given to `bootstrap` (the training progress line uses it too).
    public static var writer: @Sendable (String) -> Void { output.withLock { $0 } }

    /// Installs this handler for every logger of the process, once, at the entry point, with `write` (which
    /// must write each line in one call, so lines from several threads never interleave). Plain lines at level
    /// info until `configure` says otherwise.
    public static func bootstrap(write: @escaping @Sendable (String) -> Void) {
        output.withLock { $0 = write }
        LoggingSystem.bootstrap { label in
            let (level, format) = current.withLock { $0 }
            return LogLineHandler(label: label, level: level, format: format, write: write)
        }
    }

    /// The level and format of loggers made from now on (the serve command's log-level and log-format).
    public static func configure(level: LogLevel, format: LogFormat) {
        current.withLock { $0 = (Logger.Level(rawValue: level.rawValue) ?? .info, format) }
    }
}
