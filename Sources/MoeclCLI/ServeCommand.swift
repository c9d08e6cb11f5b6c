// `moecl serve`: flags → settings → the application, stopped gracefully on SIGTERM or SIGINT.

import ArgumentParser
import Dispatch
import Foundation
import Logging
import ModerationApp

/// Resolves the settings, builds the application, and serves until SIGTERM or SIGINT, then drains in-flight
/// requests for up to drain-seconds and exits 0.
public struct ServeCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the moderation API over HTTP/1.1.",
        discussion: """
            Examples:
              moecl serve                                  # 127.0.0.1:8080, experts/default
              moecl serve --port 9000 --experts experts/v3
              curl -s localhost:8080/v1/classify -d '{"task": "sms-spam", "text": "WIN a prize now"}'

            Each setting is a flag, a MOECL_* variable or a line of the config file (--config FILE or MOECL_CONFIG; \
            `key = value` lines, keys named like the flags); a flag beats the variable, which beats the file.

            """ + ServeSettings.helpText)

    @Argument(parsing: .allUnrecognized, help: .hidden)
    public var settingArguments: [String] = []

    public init() {}

    public func run() throws {
        let settings = try SettingsResolver.resolve(
            arguments: settingArguments, environment: ProcessInfo.processInfo.environment)
        LogLineHandler.configure(level: settings.logLevel, format: settings.logFormat)
        let app = try ModerationApp(settings: settings)
        let log = Logger(label: "moecl.serve")
        let stopped = DispatchSemaphore(value: 0)
        // Handled before listening: a supervisor that signals right after the listening line gets the graceful stop.
        let signals = [SIGTERM, SIGINT].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                log.notice("stopping (draining up to \(settings.drainSeconds) s)")
                let drained = app.stop(deadline: settings.drainSeconds)
                log.notice("stopped\(drained ? "" : " (deadline passed; some connections were closed)")")
                stopped.signal()
            }
            source.resume()
            return source
        }
        try app.start()
        withExtendedLifetime(signals) { stopped.wait() }
    }
}
