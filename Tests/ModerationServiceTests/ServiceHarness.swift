// The service in-process: a tiny random model and bundle, a temporary SQLite state, and requests handed straight
// to the service's handler (no sockets, no HTTP parsing).

import Foundation
import HTTPCore
import InferenceEngine
import MoELoRA
import ModerationService
import ServiceStore
import TestSupport
import Testing
import Tokenization

/// A ModerationService over a TinyMoE bundle with its state in a temporary folder. `restarted()` builds a new
/// service on the same state, as a process restart would.
final class ServiceHarness: @unchecked Sendable {  // safe: tests use one harness from one thread
    let tiny: TinyMoE
    let state: URL
    let ownsFixture: Bool
    let engine: InferenceEngine
    let service: ModerationService
    let stores: ServiceStores

    init(
        tiny: TinyMoE? = nil, state: URL? = nil, auditRate: Double = 0.01, maxTexts: Int = 64,
        tokens: [String: Set<AccessControl.Role>] = [:], extraTasks: [TaskExpert] = [], keepUploads: Int = 10,
        sampleRate: Double = 0, claimOrder: ClaimOrder = .oldest, evolveEvery: Int = 0, sampleSeed: UInt64? = nil,
        sharedShadowBacklog: Int = 512
    ) throws {
        self.tiny = try tiny ?? TinyMoE()
        ownsFixture = tiny == nil
        self.state = state ?? TestPaths.temporaryFolder("moecl-service-state")
        let database = try SQLiteDatabase(path: self.state.appendingPathComponent("moecl.sqlite").path)
        stores = try ServiceStores(database: database, keepDecisionLog: true)
        let bundle = try ExpertBundle.load(folder: try self.tiny.writeBundle(), base: self.tiny.base)
        let uploads = self.state.appendingPathComponent("experts").path
        var snapshot = try ModerationService.applyingRegistry(stores.registry, to: bundle, uploadFolder: uploads)
        for task in extraTasks { snapshot = try snapshot.adding(task) }
        let metrics = ServiceMetrics()
        engine = InferenceEngine(snapshot: snapshot) { metrics.batch($0) }
        engine.start()
        var configuration = ServiceConfiguration()
        configuration.auditRate = auditRate
        configuration.maxTextsPerRequest = maxTexts
        configuration.keepUploads = keepUploads
        configuration.sampleRate = sampleRate
        configuration.sampleSeed = sampleSeed
        configuration.claimOrder = claimOrder
        configuration.evolveEvery = evolveEvery
        configuration.sharedShadowBacklog = sharedShadowBacklog
        service = ModerationService(
            engine: engine, stores: stores, bundle: bundle, uploadFolder: uploads,
            configuration: configuration, access: AccessControl(tokens: tokens), metrics: metrics)
        let probed = DispatchSemaphore(value: 0)
        service.probe { _ in probed.signal() }
        probed.wait()
    }

    /// A new service on the same model and state (buffered counts written first, as a graceful stop does).
    func restarted(auditRate: Double = 0.01) throws -> ServiceHarness {
        stop()
        return try ServiceHarness(tiny: tiny, state: state, auditRate: auditRate)
    }

    func stop() {
        engine.stop()
        try? stores.flush()
    }

    /// Removes the state folder (and the fixture when this harness made it).
    func remove() {
        stop()
        try? FileManager.default.removeItem(at: state)
        if ownsFixture { tiny.remove() }
    }

    /// One request through the handler, waiting for its answer (at most 30 s).
    func request(
        _ method: HTTPMethod, _ target: String, body: String? = nil, raw: [UInt8]? = nil,
        headers: [(String, String)] = []
    ) -> (status: HTTPStatus, headers: HTTPHeaders, body: String)? {
        var fields = HTTPHeaders(headers)
        if body != nil || raw != nil { fields.add("Content-Type", "application/json") }
        let request = HTTPRequest(
            method: method, target: target, headers: fields, body: raw ?? Array((body ?? "").utf8))
        let answered = DispatchSemaphore(value: 0)
        let box = LockedBox<HTTPResponse?>(nil)
        service.handle(
            request,
            HTTPResponder { response in
                box.withLock { $0 = response }
                answered.signal()
            })
        guard answered.wait(timeout: .now() + 30) == .success, let response = box.withLock({ $0 }) else { return nil }
        return (response.status, response.headers, String(decoding: response.body, as: UTF8.self))
    }

    /// A request whose answer is a JSON object.
    func json(_ method: HTTPMethod, _ target: String, _ body: String? = nil, headers: [(String, String)] = []) throws
        -> (HTTPStatus, [String: Any])
    {
        let r = try #require(request(method, target, body: body, headers: headers))
        let object = try JSONSerialization.jsonObject(with: Data(r.body.utf8)) as? [String: Any]
        return (r.status, try #require(object, "not a JSON object: \(r.body)"))
    }

    /// The tiny fixture's expert of `task` as a file of version `version`.
    func expertFile(task: String, version: Int) throws -> [UInt8] {
        let expert = try #require(tiny.tasks.first { $0.name == task })
        var metadata = expert.metadata
        metadata.version = version
        return try ExpertFile.serialized(expert.with(metadata: metadata))
    }
}
