// The service's request handling: matches a request against the route table, checks its token, runs its handler
// on the route's queue, and maps errors to JSON responses.

import Dispatch
import Evolution
import Foundation
import HTTPCore
import InferenceEngine
import Logging
import MoELoRA
import ServiceStore
import Tokenization

/// The moderation API on top of an inference engine. `handle` is an `HTTPHandler`: a transport calls it on the
/// connection's queue; it parses, validates and tokenises there, and leaves the model to the engine.
public final class ModerationService: Sendable {
    let engine: InferenceEngine
    let configuration: ServiceConfiguration
    /// Draws which texts are sampled and audited (`ServiceConfiguration.sampleSeed`).
    let sampler: TrafficSampler
    let stores: ServiceStores
    let metrics: ServiceMetrics
    let admin: ExpertAdmin
    let evolver: Evolver
    let alarm: PrecisionAlarm
    let access: AccessControl
    /// Checksum and load time of every loaded task expert.
    let provenance: ExpertProvenance
    /// The tasks' policy lists, matched before the model.
    let policies: PolicyLists
    let log = Logger(label: "moecl.service")
    /// Set once the start-up probe inference passed.
    let ready = LockedBox(false)
    /// What cannot be written, when the last `checkState` found something; nil: all well.
    let stateProblem = LockedBox<String?>(nil)

    var reviews: ReviewStore { stores.reviews }
    var decisions: DecisionStore { stores.decisions }

    /// - Parameters:
    ///   - bundle: the experts the server started from, the target of rolling back a task's first upload.
    ///   - uploadFolder: where uploaded expert files (and copies of other replicas' uploads) are kept.
    public init(
        engine: InferenceEngine, stores: ServiceStores, bundle: ExpertSnapshot,
        uploadFolder: String, configuration: ServiceConfiguration = ServiceConfiguration(),
        access: AccessControl = AccessControl(), metrics: ServiceMetrics = ServiceMetrics(),
        evolutionLauncher: EvolutionLauncher? = nil
    ) {
        self.engine = engine
        self.configuration = configuration
        sampler = TrafficSampler(seed: configuration.sampleSeed)
        self.stores = stores
        self.metrics = metrics
        self.access = access
        policies = PolicyLists(store: stores.policies)
        let provenance = ExpertProvenance(snapshot: engine.snapshot)
        self.provenance = provenance
        admin = ExpertAdmin(
            engine: engine, registry: stores.registry, folder: uploadFolder, metrics: metrics, bundle: bundle,
            provenance: provenance, keepUploads: configuration.keepUploads, evolution: stores.evolution,
            sharedShadowBacklog: configuration.sharedShadowBacklog)
        let worker = EvolutionWorker(
            stores: stores, folder: uploadFolder, trainingData: configuration.trainingData)
        let defaults = Self.evolutionDefaults(configuration)
        let admin = self.admin
        let launcher =
            evolutionLauncher
            ?? Evolver.inProcess(
                worker: worker, policy: { task in (try? worker.policy(task: task, defaults: defaults)) ?? defaults },
                snapshot: { engine.snapshot },
                finished: { _ in admin.queue.async { _ = try? admin.catchUp() } })
        evolver = Evolver(
            stores: stores, worker: worker, defaults: defaults, launcher: launcher,
            maxActiveRuns: configuration.maxEvolutionRuns, snapshot: { engine.snapshot },
            changed: { admin.queue.sync { _ = try? admin.catchUp() } })
        let evolver = self.evolver
        alarm = PrecisionAlarm(
            stores: stores, admin: admin, metrics: metrics, policy: { try evolver.policy(task: $0) })
    }

    /// The policy of a task with none stored: `evolveEvery` verdicts between runs (0: no automatic runs).
    static func evolutionDefaults(_ configuration: ServiceConfiguration) -> EvolutionPolicy {
        EvolutionPolicy.serverDefault(every: configuration.evolveEvery)
    }

    /// Checks every `seconds` whether another replica changed the expert registry and, if so, serves the same
    /// experts. Cancel the timer to stop.
    public func startCatchingUp(every seconds: Double) -> DispatchSourceTimer {
        let policies = self.policies
        return admin.startCatchingUp(every: seconds) { policies.reload() }
    }

    /// Waits until the checks for automatic evolution runs queued so far are done.
    public func waitForEvolutionTriggers() {
        evolver.settle()
        alarm.settle()
    }

    /// Whether the start-up probe inference passed (what `/readyz` answers).
    public var isReady: Bool { ready.withLock { $0 } }

    /// Runs one probe inference through the engine; `/readyz` answers 200 once it passed.
    public func probe(completion: @escaping @Sendable (Bool) -> Void = { _ in }) {
        guard let task = engine.snapshot.taskNames.first else { return completion(false) }
        do {
            try engine.submit(sequences: [engine.snapshot.encode("probe", task: task).ids], tasks: [task]) {
                [ready] result in
                let passed = (try? result.get()) != nil
                ready.withLock { $0 = passed }
                completion(passed)
            }
        } catch {
            completion(false)
        }
    }

    /// The HTTP handler: routes the request, counts its answer by route template and status, and logs it at
    /// debug level with its request id.
    public func handle(_ request: HTTPRequest, _ responder: HTTPResponder) {
        let started = DispatchTime.now()
        let requestId = Self.requestId(request)
        let match = Self.router.match(method: request.method, path: request.path)
        let label: String
        if case .found(_, let template, _) = match { label = template } else { label = "unmatched" }
        let answer: @Sendable (HTTPResponse) -> Void = { [metrics, log] response in
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
            metrics.request(route: label, status: response.status, seconds: seconds)
            log.debug(
                "answered",
                metadata: [
                    "request_id": "\(requestId)", "method": "\(request.method)", "route": "\(label)",
                    "status": "\(response.status)",
                    "seconds": "\(seconds)",
                ])
            responder.respond(response)
        }
        switch match {
        case .notFound:
            answer(ServiceError.notFound(String(request.path)).response)
        case .methodNotAllowed(let allowed):
            answer(ServiceError.methodNotAllowed(allowed: allowed).response)
        case .found(let route, _, let parameters):
            if let role = route.role, let denied = access.check(request, role: role) { return answer(denied.response) }
            if !request.body.isEmpty, let coding = request.headers["Content-Encoding"],
                coding.lowercased() != "identity"
            {
                return answer(ServiceError.unsupportedContentEncoding(String(coding.prefix(64))).response)
            }
            let input = RouteRequest(http: request, parameters: parameters, requestId: requestId)
            run(route, input) { [self] result in answer(response(result, route: route, requestId: requestId)) }
        }
    }

    /// Runs `route`'s handler on its queue.
    private func run(
        _ route: Route, _ input: RouteRequest, _ done: @escaping @Sendable (Result<Reply, any Error>) -> Void
    ) {
        let work: @Sendable () -> Void = { [self] in
            switch route.handler {
            case .direct(let handler):
                done(Result { try handler(self, input) })
            case .deferred(let handler):
                do { try handler(self, input, done) } catch { done(.failure(error)) }
            }
        }
        switch route.queue {
        case .connection, .engine: work()
        case .admin: admin.queue.async(execute: work)
        case .store: DispatchQueue.global().async(execute: work)
        }
    }

    /// The response for a handler's result: an `HTTPError`'s own response, else 500 quoting the request id (the
    /// error's text goes to the log only: it may name server paths or internal state).
    private func response(_ result: Result<Reply, any Error>, route: Route, requestId: String) -> HTTPResponse {
        switch result {
        case .success(let reply):
            return reply.response
        case .failure(let error as any HTTPError):
            return error.response
        case .failure(let error):
            log.error(
                "unexpected error",
                metadata: [
                    "request_id": "\(requestId)", "route": "\(route.method) \(route.template)", "error": "\(error)",
                ])
            var r = HTTPResponse.jsonError(
                status: 500, code: "internal",
                message:
                    "the server failed to answer this request (request id \(requestId)); the server log has the details"
            )
            r.headers.add("X-Request-Id", requestId)
            return r
        }
    }

    /// The client's `X-Request-Id` when it is 1 to 128 characters, else a new lower-case UUID.
    static func requestId(_ request: HTTPRequest) -> String {
        request.headers["X-Request-Id"].flatMap { $0.isEmpty || $0.count > 128 ? nil : $0 }
            ?? UUID().uuidString.lowercased()
    }
}
