// `moecl evolve`: one self-evolution run out of the server's process (the server starts it for each run; a
// Kubernetes Job or cron can run it against the same database).

import ArgumentParser
import Foundation
import ModerationApp

/// Trains a candidate for a task from its verdicts, calibrates and judges it on held-back sampled verdicts, and
/// promotes it through the registry when it beats the current expert; serving replicas pick it up by themselves.
public struct EvolveCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "evolve",
        abstract: "Run one self-evolution step of a task (train, assess, maybe promote).",
        discussion: """
            Reads the same settings as `moecl serve` (flags, MOECL_* variables, the config file): model, experts,
            state or database-url, train-threads. Exits 0 when the run finished (promoted or rejected; the reasons
            are in GET /v1/tasks/{task}/evolution), 1 when it failed.
            Examples:
              moecl evolve --task sms-spam --state /var/lib/moecl
              moecl evolve --task sms-spam --database-url postgresql://moecl@db/moecl --train-threads 2
            """)

    @Option(help: "Task to evolve (starts a run of its own; refused while another run of the task is active).")
    public var task: String?
    @Option(help: "Run a server started (the server passes it).")
    public var runId: Int64?
    @Option(help: "task (the task's expert only) or shared (the full MoE-CL step); default: the task's policy.")
    public var mode: String?
    @Argument(parsing: .allUnrecognized, help: .hidden)
    public var settingArguments: [String] = []

    public init() {}

    public func run() throws {
        if let mode, !["task", "shared"].contains(mode) {
            throw ValidationError("--mode must be task or shared, not '\(mode)'")
        }
        let settings = try SettingsResolver.resolve(
            arguments: settingArguments, environment: ProcessInfo.processInfo.environment)
        LogLineHandler.configure(level: settings.logLevel, format: settings.logFormat)
        let status = try EvolutionProcess.run(settings: settings, runID: runId, task: task, mode: mode)
        if runId == nil { print("evolution run: \(status.rawValue)") }  // a server's trainer writes only its log
        if status == .failed { throw ExitCode.failure }
    }
}
