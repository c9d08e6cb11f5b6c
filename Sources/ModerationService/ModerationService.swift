// The service's request handling: routes a parsed request to its endpoint and maps errors to JSON responses.

import Dispatch
import Foundation
import HTTPCore
import HTTPServer
import InferenceEngine
import MoELoRA
import ServiceStore
import Tokenization

/// The moderation API on top of an inference engine. `handle` is the HTTP server's handler: it runs on the
/// connection's queue, does parsing, validation and tokenisation there, and leaves the model to the engine.
public final class ModerationService: Sendable {
    enum Endpoint: Sendable { case healthz, readyz, classify, experts, reviewClaim, reviewVerdict, reviewStats, stats, rejectRate, metrics,
        expertUpload, expertRollback, expertDelete, setThresholds, calibrate, moderations }

    let engine: InferenceEngine
    let tokenizer: BertTokenizer
    let configuration: ServiceConfiguration
    /// The durable review queue; nil runs without one (no review ids, review routes answer 503).
    let reviews: ReviewStore?
    /// Decision counts for the reject-rate windows; nil runs without (stats routes answer 503).
    let decisions: DecisionStore?
    /// The raw decisions log (bounded retention); nil keeps none.
    let decisionLog: DecisionLog?
    let metrics: ServiceMetrics
    /// Hot-loading; nil runs without an expert registry (admin routes answer 503).
    let admin: ExpertAdmin?
    let access: AccessControl
    /// Checksum and load time of every loaded task expert.
    let provenance: ExpertProvenance
    let router: Router<Endpoint>
    /// Set once the start-up probe inference passed.
    let ready = LockedBox(false)

    public init(engine: InferenceEngine, tokenizer: BertTokenizer, configuration: ServiceConfiguration = ServiceConfiguration(),
                reviews: ReviewStore? = nil, decisions: DecisionStore? = nil, decisionLog: DecisionLog? = nil, metrics: ServiceMetrics = ServiceMetrics(),
                registry: ExpertRegistry? = nil, uploadFolder: String? = nil, bundle: ExpertSnapshot? = nil,
                access: AccessControl = AccessControl()) {
        self.engine = engine
        self.tokenizer = tokenizer
        self.configuration = configuration
        self.reviews = reviews
        self.decisions = decisions
        self.decisionLog = decisionLog
        self.metrics = metrics
        self.access = access
        provenance = ExpertProvenance(snapshot: engine.snapshot)
        if let registry, let uploadFolder {
            admin = ExpertAdmin(engine: engine, registry: registry, folder: uploadFolder, metrics: metrics, bundle: bundle,
                                provenance: provenance)
        } else {
            admin = nil
        }
        var router = Router<Endpoint>()
        router.add("GET", "/healthz", .healthz)
        router.add("GET", "/readyz", .readyz)
        router.add("POST", "/v1/classify", .classify)
        router.add("POST", "/v1/moderations", .moderations)
        router.add("GET", "/v1/experts", .experts)
        router.add("POST", "/v1/review/claim", .reviewClaim)
        router.add("POST", "/v1/review/{id}/verdict", .reviewVerdict)
        router.add("GET", "/v1/review/stats", .reviewStats)
        router.add("GET", "/v1/stats", .stats)
        router.add("GET", "/v1/stats/reject-rate", .rejectRate)
        router.add("GET", "/metrics", .metrics)
        router.add("PUT", "/v1/experts/{task}", .expertUpload)
        router.add("POST", "/v1/experts/{task}/rollback", .expertRollback)
        router.add("DELETE", "/v1/experts/{task}", .expertDelete)
        router.add("PUT", "/v1/tasks/{task}/thresholds", .setThresholds)
        router.add("POST", "/v1/tasks/{task}/calibrate", .calibrate)
        self.router = router
    }

    /// Checks every `seconds` whether another replica changed the expert registry and, if so, serves the same
    /// experts; nil without a registry. Cancel the timer to stop.
    public func startCatchingUp(every seconds: Double) -> DispatchSourceTimer? {
        admin?.startCatchingUp(every: seconds)
    }

    /// Runs one probe inference through the engine; `/readyz` answers 200 once it passed.
    public func probe(completion: @escaping @Sendable (Bool) -> Void = { _ in }) {
        guard let task = engine.snapshot.taskNames.first else { return completion(false) }
        do {
            try engine.submit(sequences: [tokenizer.encode("probe", truncate: true)], tasks: [task]) { [ready] result in
                let passed = (try? result.get()) != nil
                ready.withLock { $0 = passed }
                completion(passed)
            }
        } catch {
            completion(false)
        }
    }

    /// The HTTP handler: routes the request and counts its answer by route template and status.
    public func handle(_ request: HTTPRequest, _ responder: HTTPResponder) {
        let started = DispatchTime.now()
        let match = router.match(method: request.method, path: request.path)
        let route: String
        if case .found(_, let template, _) = match { route = template } else { route = "unmatched" }
        let counted = HTTPResponder { [metrics] response in
            metrics.request(route: route, code: response.status,
                            seconds: Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9)
            responder.respond(response)
        }
        dispatch(match, request, counted)
    }

    private func dispatch(_ match: Router<Endpoint>.Match, _ request: HTTPRequest, _ responder: HTTPResponder) {
        switch match {
        case .notFound:
            responder.respond(ServiceError.notFound(String(request.path)).response)
        case .methodNotAllowed(let allowed):
            responder.respond(ServiceError.methodNotAllowed(allowed: allowed).response)
        case .found(let endpoint, _, let parameters):
            if let role = endpoint.role, let denied = access.check(request, role: role) { return responder.respond(denied.response) }
            switch endpoint {
            case .healthz: responder.respond(JSONBody.response(["status": "ok"]))
            case .readyz: responder.respond(readiness())
            case .experts: responder.respond(JSONBody.response(ExpertsList(engine.snapshot, provenance: provenance)))
            case .classify: classify(request, responder)
            case .moderations: moderations(request, responder)
            case .setThresholds, .calibrate:
                guard let admin else {
                    return responder.respond(ServiceError.unavailable("this server runs without an expert registry").response)
                }
                let task = parameters["task"] ?? ""
                admin.queue.async { [self] in
                    do {
                        responder.respond(JSONBody.response(try thresholds(endpoint, request, task: task, admin: admin)))
                    } catch let error as ServiceError {
                        responder.respond(error.response)
                    } catch {
                        responder.respond(ServiceError.unavailable("\(error)").response)
                    }
                }
            case .expertUpload, .expertRollback, .expertDelete:
                guard let admin else {
                    return responder.respond(ServiceError.unavailable("this server runs without an expert registry").response)
                }
                let task = parameters["task"] ?? ""
                admin.queue.async {
                    do {
                        let body: UploadBody
                        switch endpoint {
                        case .expertUpload: body = try admin.upload(task: task, bytes: request.body)
                        case .expertRollback: body = try admin.rollback(task: task)
                        default: body = try admin.delete(task: task)
                        }
                        responder.respond(JSONBody.response(body, status: endpoint == .expertUpload ? 201 : 200))
                    } catch let error as ServiceError {
                        responder.respond(error.response)
                    } catch {
                        responder.respond(ServiceError.unavailable("\(error)").response)
                    }
                }
            case .metrics:
                DispatchQueue.global().async { [self] in responder.respond(metricsResponse()) }
            case .stats, .rejectRate:
                DispatchQueue.global().async { [self] in responder.respond(stats(endpoint, request)) }
            case .reviewClaim, .reviewVerdict, .reviewStats:
                DispatchQueue.global().async { [self] in
                    responder.respond(review(endpoint, request, parameters: parameters))
                }
            }
        }
    }

    private func readiness() -> HTTPResponse {
        ready.withLock { $0 } ? JSONBody.response(["status": "ready"])
            : ServiceError.unavailable("the model is loading or its probe inference has not passed yet").response
    }
}

extension ModerationService.Endpoint {
    /// The role a token needs for this endpoint when tokens are configured; nil: always open.
    var role: AccessControl.Role? {
        switch self {
        case .healthz, .readyz, .metrics: nil
        case .classify, .moderations, .experts, .stats, .rejectRate: .classify
        case .reviewClaim, .reviewVerdict, .reviewStats: .review
        case .expertUpload, .expertRollback, .expertDelete, .setThresholds, .calibrate: .admin
        }
    }
}
