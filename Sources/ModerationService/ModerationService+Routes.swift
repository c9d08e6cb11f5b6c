// The route table: every route of openapi.yaml, registered once with its method, template, role and queue.

import HTTPCore

extension ModerationService {
    /// Every route the service answers. `RoutesTests` checks this list against openapi.yaml's paths.
    static let routes: [Route] = [
        Route("GET", "/healthz", role: nil, on: .connection, .direct { _, _ in .json(["status": "ok"]) }),
        Route("GET", "/readyz", role: nil, on: .connection, .direct { service, _ in try service.readiness() }),
        Route("GET", "/metrics", role: nil, on: .store, .direct { service, _ in service.metricsReply() }),
        // The pages hold no data: their scripts read the API with the token the user enters.
        Route("GET", "/ui", role: nil, on: .connection, .direct { _, _ in .page(DashboardPage.html) }),
        Route("GET", "/ui/review", role: nil, on: .connection, .direct { _, _ in .page(ReviewPage.html) }),
        Route(
            "POST", "/v1/classify", role: .classify, on: .engine,
            .deferred { service, request, done in
                try service.classify(request, done)
            }),
        Route(
            "POST", "/v1/review/{id}/explain", role: .review, on: .engine,
            .deferred { service, request, done in
                try service.explainItem(request, done)
            }),
        Route(
            "POST", "/v1/moderations", role: .classify, on: .engine,
            .deferred { service, request, done in
                try service.moderations(request, done)
            }),
        Route(
            "GET", "/v1/experts", role: .classify, on: .connection,
            .direct { service, _ in
                .json(ExpertsList(service.engine.snapshot, provenance: service.provenance))
            }),
        Route("GET", "/v1/stats", role: .classify, on: .store, .direct { service, _ in try service.stats() }),
        Route(
            "GET", "/v1/stats/reject-rate", role: .classify, on: .store,
            .direct { service, request in
                try service.rejectRate(request)
            }),
        Route(
            "POST", "/v1/review/claim", role: .review, on: .store,
            .direct { service, request in
                try service.claim(request)
            }),
        Route(
            "POST", "/v1/review/{id}/verdict", role: .review, on: .store,
            .direct { service, request in
                try service.verdict(request)
            }),
        Route(
            "GET", "/v1/review/stats", role: .review, on: .store,
            .direct { service, _ in
                .json(["queues": try service.reviews.stats(now: Clock.now())])
            }),
        Route(
            "PUT", "/v1/experts/{task}", role: .admin, on: .admin,
            .direct { service, request in
                .json(try service.admin.upload(task: request.parameter("task"), bytes: request.http.body), status: 201)
            }),
        Route(
            "POST", "/v1/experts/{task}/rollback", role: .admin, on: .admin,
            .direct { service, request in
                .json(try service.admin.rollback(task: request.parameter("task")))
            }),
        Route(
            "PUT", "/v1/shared", role: .admin, on: .admin,
            .direct { service, request in .json(try service.admin.uploadShared(bytes: request.http.body), status: 201) }
        ),
        Route(
            "POST", "/v1/shared/rollback", role: .admin, on: .admin,
            .direct { service, _ in .json(try service.admin.rollbackShared()) }),
        Route(
            "DELETE", "/v1/experts/{task}", role: .admin, on: .admin,
            .direct { service, request in
                .json(try service.admin.delete(task: request.parameter("task")))
            }),
        Route(
            "PUT", "/v1/tasks/{task}/thresholds", role: .admin, on: .admin,
            .direct { service, request in
                try service.setThresholds(request)
            }),
        Route(
            "PUT", "/v1/tasks/{task}/scene-guard", role: .admin, on: .admin,
            .direct { service, request in
                try service.setSceneGuard(request)
            }),
        Route(
            "POST", "/v1/tasks/{task}/calibrate", role: .admin, on: .admin,
            .direct { service, request in
                try service.calibrate(request)
            }),
        Route(
            "POST", "/v1/tasks", role: .admin, on: .admin,
            .direct { service, request in try service.createTask(request) }),
        Route(
            "POST", "/v1/tasks/{task}/evolve", role: .admin, on: .store,
            .direct { service, request in
                try service.evolve(request)
            }),
        Route(
            "GET", "/v1/tasks/{task}/evolution", role: .review, on: .store,
            .direct { service, request in
                try service.evolution(request)
            }),
        Route(
            "PUT", "/v1/tasks/{task}/evolution", role: .admin, on: .store,
            .direct { service, request in
                try service.setEvolutionPolicy(request)
            }),
        Route(
            "GET", "/v1/tasks/{task}/policy", role: .review, on: .store,
            .direct { service, request in try service.policyList(request) }),
        Route(
            "PUT", "/v1/tasks/{task}/policy", role: .admin, on: .store,
            .direct { service, request in try service.setPolicyList(request) }),
        Route(
            "GET", "/v1/tasks/{task}/policy/history", role: .admin, on: .store,
            .direct { service, request in try service.policyHistory(request) }),
    ]

    /// The route table as a router (built once).
    static let router: Router<Route> = {
        var router = Router<Route>()
        for route in routes { router.add(route.method, route.template, route) }
        return router
    }()

    /// 200 once the probe inference passed and while the state can be written, else 503.
    func readiness() throws(ServiceError) -> Reply {
        guard isReady else { throw .unavailable("the model is loading or its probe inference has not passed yet") }
        if let problem = stateProblem.withLock({ $0 }) {
            throw .unavailable("\(problem); free space or fix the permissions: readiness returns by itself")
        }
        return .json(["status": "ready"])
    }

    /// The route templates as the metrics label them, with their methods (for tests and docs).
    public static var routeTemplates: [(method: HTTPMethod, template: String)] { router.templates }
}
