// `moecl serve`: the HTTP moderation service on the shipped (or given) experts.

import ArgumentParser
import Dispatch
import Foundation
import HTTPServer
import InferenceEngine
import MoELoRA
import ModerationService
import ServiceStore

/// Loads the base model and the expert bundle, starts the inference worker and the HTTP server, and serves
/// until SIGTERM or SIGINT, then drains in-flight requests and exits 0.
public struct ServeCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the moderation API over HTTP/1.1.",
        discussion: """
            Examples:
              moecl serve                                  # 127.0.0.1:8080, experts/default
              moecl serve --port 9000 --experts experts/v3
              curl -s localhost:8080/v1/classify -d '{"task": "sms-spam", "text": "WIN a prize now"}'
            """)

    @OptionGroup public var modelOptions: ModelOptions
    @OptionGroup public var expertOptions: ExpertOptions
    @Option(help: "IPv4 address to listen on (default: MOECL_HOST, else 127.0.0.1).")
    public var host: String = ProcessInfo.processInfo.environment["MOECL_HOST"] ?? "127.0.0.1"
    @Option(help: "Port to listen on; 0 picks a free one (default: MOECL_PORT, else 8080).")
    public var port: UInt16 = ProcessInfo.processInfo.environment["MOECL_PORT"].flatMap { UInt16($0) } ?? 8080
    @Option(help: "Tokens per inference batch at most.")
    public var maxBatchTokens: Int = 4096
    @Option(help: "Microseconds the first queued request waits for others to join its batch.")
    public var maxWaitUs: Int = 2000
    @Option(help: "Sequences waiting for the model at most; beyond it requests get 503 with Retry-After.")
    public var maxQueue: Int = 4096
    @Option(help: "Open connections at most; beyond it 503 and close.")
    public var maxConnections: Int = 1024
    @Option(help: "Largest request body in bytes.")
    public var maxBodyBytes: Int = 8 << 20
    @Option(help: "Texts per classification request at most.")
    public var maxTexts: Int = 64
    @Option(help: "State folder holding moecl.sqlite (review queue, verdicts); created if missing (default: MOECL_STATE, else state).")
    public var state: String = ProcessInfo.processInfo.environment["MOECL_STATE"] ?? "state"
    @Option(help: "Share of automatic decisions also queued for audit (0 to 1).")
    public var auditRate: Double = 0.01
    @Option(help: ArgumentHelp("A bearer token with its role, role:token (repeatable; roles classify, review, admin). Also MOECL_TOKENS (comma-separated).", valueName: "role:token"))
    public var token: [String] = []
    @Option(help: "A file of role:token lines (# comments).")
    public var tokensFile: String?
    @Option(help: "Seconds to finish in-flight requests after SIGTERM/SIGINT.")
    public var drainSeconds: Double = 10

    public init() {}

    public func validate() throws {
        guard (0...1).contains(auditRate) else { throw ValidationError("--audit-rate must be between 0 and 1") }
        guard maxBatchTokens >= 16, maxWaitUs >= 0, maxQueue >= 1, maxConnections >= 1, maxBodyBytes >= 1024, maxTexts >= 1
        else {
            throw ValidationError("--max-batch-tokens ≥ 16, --max-queue, --max-connections, --max-texts ≥ 1, --max-body-bytes ≥ 1024")
        }
    }

    public func run() throws {
        try expertOptions.checkDefaultFolder()
        var tokenText = token.joined(separator: ",") + "," + (ProcessInfo.processInfo.environment["MOECL_TOKENS"] ?? "")
        if let tokensFile { tokenText += "\n" + (try String(contentsOfFile: tokensFile, encoding: .utf8)) }
        let access = AccessControl(tokens: try AccessControl.parse(tokenText))
        guard host.hasPrefix("127.") || host == "localhost" || access.hasAdminToken else {
            throw ValidationError("refusing to serve the admin routes on \(host) without an admin token: pass --token admin:<secret> (or MOECL_TOKENS / --tokens-file), or listen on 127.0.0.1")
        }
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
        let database = try SQLiteDatabase(path: (state as NSString).appendingPathComponent("moecl.sqlite"))
        let reviews = try ReviewStore(database: database)
        let decisions = try DecisionStore(database: database)
        let registry = try ExpertRegistry(database: database)
        let (tokenizer, encoder) = try modelOptions.load()
        let base = try BenchBase.wrap(encoder, folder: modelOptions.model)
        // Experts hot-loaded earlier (the registry's active uploads) override the bundle's.
        let snapshot = try ModerationService.applyingRegistry(registry, to: expertOptions.load(base: base))
        var engineConfiguration = InferenceEngineConfiguration()
        engineConfiguration.maxBatchTokens = maxBatchTokens
        engineConfiguration.maxWaitMicroseconds = maxWaitUs
        engineConfiguration.maxQueuedSequences = maxQueue
        let metrics = ServiceMetrics()
        let engine = InferenceEngine(snapshot: snapshot, configuration: engineConfiguration) { metrics.batch($0) }
        engine.start()
        var serviceConfiguration = ServiceConfiguration()
        serviceConfiguration.maxTextsPerRequest = maxTexts
        serviceConfiguration.auditRate = auditRate
        let service = ModerationService(engine: engine, tokenizer: tokenizer, configuration: serviceConfiguration,
                                        reviews: reviews, decisions: decisions, metrics: metrics, registry: registry,
                                        uploadFolder: (state as NSString).appendingPathComponent("experts"), access: access)
        // Decision counts reach the database once a second; counts older than 30 days are dropped hourly.
        let flusher = DispatchSource.makeTimerSource(queue: .global(qos: .utility))
        var ticks = 0
        flusher.setEventHandler {
            try? decisions.flush()
            ticks += 1
            if ticks % 3600 == 1 { try? decisions.prune(olderThan: 30 * 86_400, now: Date().timeIntervalSince1970) }
        }
        flusher.schedule(deadline: .now() + 1, repeating: 1)
        flusher.resume()
        service.probe()
        var httpConfiguration = HTTPServerConfiguration()
        httpConfiguration.host = host
        httpConfiguration.port = port
        httpConfiguration.maxConnections = maxConnections
        httpConfiguration.limits.maxBodyBytes = maxBodyBytes
        let server = HTTPServer(configuration: httpConfiguration) { request, responder in service.handle(request, responder) }
        let drain = drainSeconds
        var sources: [DispatchSourceSignal] = []
        for signalNumber in [SIGTERM, SIGINT] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler {
                FileHandle.standardError.write(Data("moecl serve: stopping (draining up to \(drain) s)\n".utf8))
                let drained = server.shutdown(deadline: drain)
                engine.stop()
                flusher.cancel()
                try? decisions.flush()
                FileHandle.standardError.write(Data("moecl serve: stopped\(drained ? "" : " (deadline passed; some connections were closed)")\n".utf8))
                Foundation.exit(0)
            }
            source.resume()
            sources.append(source)
        }
        // Listen only once SIGTERM and SIGINT are handled: a supervisor that signals right after the listening
        // line must get the graceful stop.
        try server.start()
        FileHandle.standardError.write(Data(
            "moecl serve: listening on http://\(host):\(server.port) with \(snapshot.taskNames.count) tasks (\(snapshot.taskNames.joined(separator: ", ")))\n".utf8))
        withExtendedLifetime(sources) { dispatchMain() }
    }
}
