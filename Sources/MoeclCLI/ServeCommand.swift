// `moecl serve`: the HTTP moderation service on the shipped (or given) experts.

import ArgumentParser
import Dispatch
import Foundation
import HTTPCore
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
    @Option(help: "Config file of key = value lines (keys: the long flag names); flags and MOECL_* variables override it (default: MOECL_CONFIG).")
    public var config: String?
    @Option(help: "IPv4 address to listen on (default 127.0.0.1).")
    public var host: String?
    @Option(help: "Port to listen on; 0 picks a free one (default 8080).")
    public var port: UInt16?
    @Option(help: "Tokens per inference batch at most (default 4096).")
    public var maxBatchTokens: Int?
    @Option(help: "Microseconds the oldest queued request waits for others to join its batch (default 0: batches form from what queued while the model was busy; see docs/PERFORMANCE.md).")
    public var maxWaitUs: Int?
    @Option(help: "Sequences waiting for the model at most; beyond it requests get 503 with Retry-After (default 4096).")
    public var maxQueue: Int?
    @Option(help: "Open connections at most; beyond it 503 and close (default 1024).")
    public var maxConnections: Int?
    @Option(help: "Largest request body in bytes (default 8 MiB).")
    public var maxBodyBytes: Int?
    @Option(help: "Longest request line in bytes; beyond it 414 (default 8 KiB).")
    public var maxRequestLineBytes: Int?
    @Option(help: "Most header fields per request; beyond it 431 (default 100).")
    public var maxHeaders: Int?
    @Option(help: "Most bytes of all header lines together; beyond it 431 (default 32 KiB).")
    public var maxHeaderBytes: Int?
    @Option(help: "Texts per classification request at most (default 64).")
    public var maxTexts: Int?
    @Option(help: "State folder holding moecl.sqlite (review queue, verdicts, registry, decisions); created if missing (default state).")
    public var state: String?  // with --database-url, only copies of expert files live here
    @Option(help: "Share of automatic decisions also queued for audit, 0 to 1 (default 0.01).")
    public var auditRate: Double?
    @Option(help: ArgumentHelp("A bearer token with its role, role:token (repeatable; roles classify, review, admin). Tokens from flags, MOECL_TOKENS (comma-separated) and the config file add up.", valueName: "role:token"))
    public var token: [String] = []
    @Option(help: "A file of role:token lines (# comments).")
    public var tokensFile: String?
    @Option(help: "Seconds to finish in-flight requests after SIGTERM/SIGINT (default 10).")
    public var drainSeconds: Double?
    @Option(help: "Seconds from a request's first byte until its headers are complete; then 408 (default 10).")
    public var headerTimeout: Double?
    @Option(help: "Seconds for a request body once its headers are in; then 408 (default 30).")
    public var bodyTimeout: Double?
    @Option(help: "Seconds an idle keep-alive connection stays open (default 60).")
    public var idleTimeout: Double?
    @Option(help: "Days the raw decisions log is kept; 0 keeps none (default 7).")
    public var decisionLogDays: Double?
    @Option(help: "TLS certificate chain (PEM); with --tls-key the server speaks HTTPS only.")
    public var tlsCert: String?
    @Option(help: "TLS private key (PEM) of --tls-cert.")
    public var tlsKey: String?
    @Option(help: ArgumentHelp("PostgreSQL shared by several replicas (review queue, verdicts, counts, expert registry and files) instead of the state folder's SQLite file (default: MOECL_DATABASE_URL).", valueName: "postgresql://user:password@host:5432/db"))
    public var databaseURL: String?
    @Option(help: "Seconds between checks for expert changes made by other replicas (or processes sharing the database); 0 turns it off (default 1).")
    public var expertSyncSeconds: Double?

    public init() {}

    /// The settings in effect, and the model options with the config file's model, experts and threads applied
    /// where neither a flag nor the environment set them.
    public func resolve(environment: [String: String] = ProcessInfo.processInfo.environment) throws
        -> (ServeSettings, ModelOptions, ExpertOptions) {
        let configPath = config ?? environment["MOECL_CONFIG"].flatMap { $0.isEmpty ? nil : $0 }
        let file = try configPath.map { try ConfigFile.load(path: $0, keys: ServeSettings.fileKeys) }
        let r = SettingsResolver(environment: environment, file: file)
        var s = ServeSettings()
        s.host = try r.value(host, "host", default: s.host)
        s.port = try r.value(port, "port", default: s.port)
        s.maxBatchTokens = try r.value(maxBatchTokens, "max-batch-tokens", default: s.maxBatchTokens)
        s.maxWaitUs = try r.value(maxWaitUs, "max-wait-us", default: s.maxWaitUs)
        s.maxQueue = try r.value(maxQueue, "max-queue", default: s.maxQueue)
        s.maxConnections = try r.value(maxConnections, "max-connections", default: s.maxConnections)
        s.maxBodyBytes = try r.value(maxBodyBytes, "max-body-bytes", default: s.maxBodyBytes)
        s.maxRequestLineBytes = try r.value(maxRequestLineBytes, "max-request-line-bytes", default: s.maxRequestLineBytes)
        s.maxHeaders = try r.value(maxHeaders, "max-headers", default: s.maxHeaders)
        s.maxHeaderBytes = try r.value(maxHeaderBytes, "max-header-bytes", default: s.maxHeaderBytes)
        s.maxTexts = try r.value(maxTexts, "max-texts", default: s.maxTexts)
        s.state = try r.value(state, "state", default: s.state)
        s.auditRate = try r.value(auditRate, "audit-rate", default: s.auditRate)
        s.tokens = r.all(token, "token", environmentName: "MOECL_TOKENS")
        s.tokensFile = r.optional(tokensFile, "tokens-file")
        s.drainSeconds = try r.value(drainSeconds, "drain-seconds", default: s.drainSeconds)
        s.headerTimeout = try r.value(headerTimeout, "header-timeout", default: s.headerTimeout)
        s.bodyTimeout = try r.value(bodyTimeout, "body-timeout", default: s.bodyTimeout)
        s.idleTimeout = try r.value(idleTimeout, "idle-timeout", default: s.idleTimeout)
        s.decisionLogDays = try r.value(decisionLogDays, "decision-log-days", default: s.decisionLogDays)
        s.tlsCert = r.optional(tlsCert, "tls-cert")
        s.tlsKey = r.optional(tlsKey, "tls-key")
        s.databaseURL = r.optional(databaseURL, "database-url").flatMap { $0.isEmpty ? nil : $0 }
        s.expertSyncSeconds = try r.value(expertSyncSeconds, "expert-sync-seconds", default: s.expertSyncSeconds)
        try s.validate()
        var model = modelOptions, experts = expertOptions
        if model.modelFlag == nil, environment["MOECL_MODEL"] == nil { model.modelFlag = file?.last("model") }
        if experts.experts == nil, environment["MOECL_EXPERTS"] == nil { experts.experts = file?.last("experts") }
        if model.threads == nil, environment["MOECL_THREADS"] == nil, let text = file?.last("threads") {
            guard let n = Int(text), (1...256).contains(n) else { throw ValidationError("\(configPath ?? ""): threads = '\(text)' is not 1...256") }
            model.threads = n
        }
        return (s, model, experts)
    }

    public func run() throws {
        let (settings, modelOptions, expertOptions) = try resolve()
        try expertOptions.checkDefaultFolder()
        var tokenText = settings.tokens.joined(separator: "\n")
        if let tokensFile = settings.tokensFile { tokenText += "\n" + (try String(contentsOfFile: tokensFile, encoding: .utf8)) }
        let access = AccessControl(tokens: try AccessControl.parse(tokenText))
        let host = settings.host
        guard host.hasPrefix("127.") || host == "localhost" || access.hasAdminToken else {
            throw ValidationError("refusing to serve the admin routes on \(host) without an admin token: pass --token admin:<secret> (or MOECL_TOKENS / --tokens-file / the config file), or listen on 127.0.0.1")
        }
        let state = settings.state
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
        let database = try openDatabase(url: settings.databaseURL, sqlitePath: (state as NSString).appendingPathComponent("moecl.sqlite"))
        let reviews = try ReviewStore(database: database)
        let decisions = try DecisionStore(database: database)
        let decisionLog = settings.decisionLogDays > 0 ? try DecisionLog(database: database) : nil
        let registry = try ExpertRegistry(database: database)
        let (tokenizer, encoder) = try modelOptions.load()
        let base = try BenchBase.wrap(encoder, folder: modelOptions.model)
        // Deletions and hot-loads recorded in the registry apply over the bundle.
        let bundle = try expertOptions.load(base: base)
        let uploadFolder = (state as NSString).appendingPathComponent("experts")
        let snapshot = try ModerationService.applyingRegistry(registry, to: bundle, uploadFolder: uploadFolder)
        var engineConfiguration = InferenceEngineConfiguration()
        engineConfiguration.maxBatchTokens = settings.maxBatchTokens
        engineConfiguration.maxWaitMicroseconds = settings.maxWaitUs
        engineConfiguration.maxQueuedSequences = settings.maxQueue
        let metrics = ServiceMetrics()
        let engine = InferenceEngine(snapshot: snapshot, configuration: engineConfiguration) { metrics.batch($0) }
        engine.start()
        var serviceConfiguration = ServiceConfiguration()
        serviceConfiguration.maxTextsPerRequest = settings.maxTexts
        serviceConfiguration.auditRate = settings.auditRate
        let service = ModerationService(engine: engine, tokenizer: tokenizer, configuration: serviceConfiguration,
                                        reviews: reviews, decisions: decisions, decisionLog: decisionLog, metrics: metrics,
                                        registry: registry, uploadFolder: uploadFolder,
                                        bundle: bundle, access: access)
        let flusher = Self.startFlushing(decisions: decisions, log: decisionLog, logDays: settings.decisionLogDays)
        let catchingUp = settings.expertSyncSeconds > 0 ? service.startCatchingUp(every: settings.expertSyncSeconds) : nil
        service.probe()
        var httpConfiguration = HTTPServerConfiguration()
        httpConfiguration.host = host
        httpConfiguration.port = settings.port
        httpConfiguration.maxConnections = settings.maxConnections
        httpConfiguration.limits.maxBodyBytes = settings.maxBodyBytes
        httpConfiguration.limits.maxRequestLineBytes = settings.maxRequestLineBytes
        httpConfiguration.limits.maxHeaderCount = settings.maxHeaders
        httpConfiguration.limits.maxHeaderBytes = settings.maxHeaderBytes
        httpConfiguration.headerTimeout = settings.headerTimeout
        httpConfiguration.bodyTimeout = settings.bodyTimeout
        httpConfiguration.idleTimeout = settings.idleTimeout
        if let certificate = settings.tlsCert, let key = settings.tlsKey {
            httpConfiguration.tls = try TLSContext(certificatePath: certificate, keyPath: key)
        }
        let scheme = httpConfiguration.tls == nil ? "http" : "https"
        let server = HTTPServer(configuration: httpConfiguration) { request, responder in service.handle(request, responder) }
        let drain = settings.drainSeconds
        var sources: [DispatchSourceSignal] = []
        for signalNumber in [SIGTERM, SIGINT] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler {
                FileHandle.standardError.write(Data("moecl serve: stopping (draining up to \(drain) s)\n".utf8))
                let drained = server.shutdown(deadline: drain)
                engine.stop()
                flusher.cancel()
                catchingUp?.cancel()
                try? decisions.flush()
                try? decisionLog?.flush()
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
            "moecl serve: state in \(database.displayName); listening on \(scheme)://\(host):\(server.port) with \(snapshot.taskNames.count) tasks (\(snapshot.taskNames.joined(separator: ", ")))\n".utf8))
        withExtendedLifetime(sources) { dispatchMain() }
    }

    /// Decision counts and log rows reach the database once a second; counts older than 30 days and log rows
    /// older than `logDays` are deleted hourly.
    static func startFlushing(decisions: DecisionStore, log: DecisionLog?, logDays: Double) -> DispatchSourceTimer {
        let flusher = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "moecl.flush"))
        let ticks = LockedBox(0)
        flusher.setEventHandler {
            try? decisions.flush()
            try? log?.flush()
            let tick = ticks.withLock { $0 += 1; return $0 }
            guard tick % 3600 == 1 else { return }
            let now = Date().timeIntervalSince1970
            try? decisions.prune(olderThan: 30 * 86_400, now: now)
            try? log?.prune(olderThan: logDays * 86_400, now: now)
        }
        flusher.schedule(deadline: .now() + 1, repeating: 1)
        flusher.resume()
        return flusher
    }
}
