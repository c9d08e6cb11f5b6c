// The moderation service as an application: builds every part from resolved settings, starts, and stops gracefully.

import Dispatch
import Foundation
import HTTPCore
import HTTPServer
import InferenceEngine
import Logging
import ModerationService
import ServiceStore

/// The composition root of `moecl serve`: database and stores, model and bundle, engine, service, timers and the
/// HTTP server. It handles no signals: the entry point calls `stop` when it should.
public final class ModerationApp: Sendable {
    public let settings: ServeSettings
    public let service: ModerationService
    let engine: InferenceEngine
    let stores: ServiceStores
    let server: HTTPServer
    let databaseName: String
    let timers = LockedBox<[DispatchSourceTimer]>([])
    let log = Logger(label: "moecl.app")

    /// Opens the state, loads the model and experts, and builds the engine, the service and the server; nothing
    /// listens or runs yet.
    /// - Throws: `SettingsError` for unusable settings (tokens, TLS files, a missing default bundle); the
    ///   stores', model's and experts' errors, which name the file and what to do.
    public init(settings: ServeSettings) throws {
        self.settings = settings
        let access = AccessControl(tokens: try Self.tokens(settings))
        guard settings.host.hasPrefix("127.") || access.hasAdminToken else {
            throw SettingsError(
                "refusing to serve the admin routes on \(settings.host) without an admin token: pass "
                    + "--token admin:<secret> (or MOECL_TOKENS / --tokens-file / the config file), "
                    + "or listen on 127.0.0.1"
            )
        }
        try FileManager.default.createDirectory(atPath: settings.state, withIntermediateDirectories: true)
        let database = try openDatabase(
            url: settings.databaseURL,
            sqlitePath: (settings.state as NSString).appendingPathComponent("moecl.sqlite"))
        databaseName = database.displayName
        stores = try ServiceStores(database: database, keepDecisionLog: settings.decisionLogDays > 0)
        let model = try LoadedModel.load(settings)
        // Deletions and hot-loads recorded in the registry apply over the bundle.
        let uploadFolder = (settings.state as NSString).appendingPathComponent("experts")
        let leftovers = ModerationService.removeUploadTemporaries(uploadFolder: uploadFolder)
        if leftovers > 0 {
            Logger(label: "moecl.app").notice(
                "removed \(leftovers) temporary files interrupted uploads left in \(uploadFolder)")
        }
        let snapshot = try ModerationService.applyingRegistry(
            stores.registry, to: model.bundle, uploadFolder: uploadFolder)
        var engineConfiguration = InferenceEngineConfiguration()
        engineConfiguration.maxBatchTokens = settings.maxBatchTokens
        engineConfiguration.maxWaitMicroseconds = settings.maxWaitUs
        engineConfiguration.maxQueuedSequences = settings.maxQueue
        let metrics = ServiceMetrics()
        engine = InferenceEngine(snapshot: snapshot, configuration: engineConfiguration) { metrics.batch($0) }
        var configuration = ServiceConfiguration()
        configuration.maxTextsPerRequest = settings.maxTexts
        configuration.auditRate = settings.auditRate
        configuration.sampleRate = settings.sampleRate
        configuration.sampleSeed = settings.sampleSeed
        configuration.claimOrder = settings.claimOrder
        configuration.reviewMaxWaitSeconds = settings.reviewMaxWait
        configuration.keepUploads = settings.keepUploads
        configuration.evolveEvery = settings.evolveEvery
        configuration.trainingData = settings.trainingData
        configuration.maxEvolutionRuns = settings.maxEvolutionRuns
        let service = ModerationService(
            engine: engine, stores: stores, bundle: model.bundle,
            uploadFolder: uploadFolder, configuration: configuration, access: access, metrics: metrics,
            evolutionLauncher: EvolutionProcess.launcher(
                settings: settings, stores: stores,
                worker: EvolutionWorker(
                    stores: stores, folder: uploadFolder,
                    trainingData: settings.trainingData)))
        self.service = service
        server = HTTPServer(configuration: try Self.httpConfiguration(settings)) { request, responder in
            service.handle(request, responder)
        }
    }

    /// Starts the engine, the timers and the probe inference, then listens.
    /// - Throws: `HTTPServerError` when the address cannot be bound (the engine is stopped again).
    public func start() throws {
        engine.start()
        var started = [Self.startFlushing(service, stores, logDays: settings.decisionLogDays)]
        if settings.expertSyncSeconds > 0 { started.append(service.startCatchingUp(every: settings.expertSyncSeconds)) }
        timers.withLock { $0 = started }
        service.probe()
        do {
            try server.start()
        } catch {
            stopWork()
            throw error
        }
        let scheme = server.configuration.tls == nil ? "http" : "https"
        let tasks = engine.snapshot.taskNames
        let listening =
            "listening on \(scheme)://\(settings.host):\(server.port) with \(tasks.count) tasks "
            + "(\(tasks.joined(separator: ", "))); state in \(databaseName)"
        log.notice("\(listening)")
    }

    /// The bound port (0 before `start`).
    public var port: UInt16 { server.port }

    /// Whether the probe inference passed (what `/readyz` answers).
    public var isReady: Bool { service.isReady }

    /// Stops accepting, lets in-flight requests finish for up to `deadline` seconds, stops the engine and the
    /// timers, and writes buffered counts. Returns whether every connection drained in time.
    @discardableResult
    public func stop(deadline: Double) -> Bool {
        let drained = server.shutdown(deadline: deadline)
        stopWork()
        return drained
    }

    private func stopWork() {
        engine.stop()
        for timer in timers.withLock({ t in
            defer { t = [] }; return t
        }) { timer.cancel() }
        do {
            try stores.flush()
        } catch {
            log.error("could not write the buffered decision counts", metadata: ["error": "\(error)"])
        }
    }

    /// The tokens of `settings.tokens` and `settings.tokensFile`.
    static func tokens(_ settings: ServeSettings) throws -> [String: Set<AccessControl.Role>] {
        var text = settings.tokens.joined(separator: "\n")
        if let path = settings.tokensFile {
            guard let data = FileManager.default.contents(atPath: path), let file = String(data: data, encoding: .utf8)
            else {
                throw SettingsError("cannot read the tokens file \(path) (UTF-8 role:token lines): check tokens-file")
            }
            text += "\n" + file
        }
        return try AccessControl.parse(text)
    }

    static func httpConfiguration(_ settings: ServeSettings) throws -> HTTPServerConfiguration {
        var http = HTTPServerConfiguration()
        http.host = settings.host
        http.port = settings.port
        http.maxConnections = settings.maxConnections
        http.maxConnectionsPerClient = settings.maxConnectionsPerClient
        http.limits.maxBodyBytes = settings.maxBodyBytes
        http.limits.maxRequestLineBytes = settings.maxRequestLineBytes
        http.limits.maxHeaderCount = settings.maxHeaders
        http.limits.maxHeaderBytes = settings.maxHeaderBytes
        http.headerTimeout = settings.headerTimeout
        http.bodyTimeout = settings.bodyTimeout
        http.idleTimeout = settings.idleTimeout
        if let certificate = settings.tlsCert, let key = settings.tlsKey {
            http.tls = try TLSContext(certificatePath: certificate, keyPath: key)
        }
        return http
    }

    /// Decision counts and log rows reach the database once a second; counts older than 30 days and log rows
    /// older than `logDays` are deleted hourly.
    static func startFlushing(_ service: ModerationService, _ stores: ServiceStores, logDays: Double)
        -> DispatchSourceTimer
    {
        let flusher = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "moecl.flush"))
        let ticks = LockedBox(0)
        let log = Logger(label: "moecl.store")
        flusher.setEventHandler {
            // Writes the buffered counts and checks the state can be written (for /readyz).
            service.checkState()
            do {
                let tick = ticks.withLock {
                    $0 += 1; return $0
                }
                guard tick % 3600 == 1 else { return }
                let now = Date().timeIntervalSince1970
                try stores.decisions.prune(olderThan: 30 * 86_400, now: now)
                try stores.decisionLog?.prune(olderThan: logDays * 86_400, now: now)
            } catch {
                log.error("could not prune old decision counts (will retry)", metadata: ["error": "\(error)"])
            }
        }
        flusher.schedule(deadline: .now() + 1, repeating: 1)
        flusher.resume()
        return flusher
    }
}
