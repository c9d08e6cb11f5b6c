// GET /v1/experts: what is loaded.

import MoELoRA

/// The loaded experts as the API lists them.
struct ExpertsList: Encodable {
    struct Calibrated: Encodable {
        let targetPrecision: Double
        let thresholds: [String: Double]
        let expectedRejectRate: Double?
        enum CodingKeys: String, CodingKey {
            case thresholds, targetPrecision = "target_precision", expectedRejectRate = "expected_reject_rate"
        }
    }

    struct Task: Encodable {
        let task: String
        let version: Int
        let labels: [String]
        let compliantLabel: String?
        let rank: Int
        let calibration: Calibrated?
        enum CodingKeys: String, CodingKey {
            case task, version, labels, rank, calibration, compliantLabel = "compliant_label"
        }
    }

    let baseFingerprint: String
    let sharedVersion: Int
    let tasks: [Task]

    enum CodingKeys: String, CodingKey {
        case tasks, baseFingerprint = "base_fingerprint", sharedVersion = "shared_version"
    }

    init(_ snapshot: ExpertSnapshot) {
        baseFingerprint = snapshot.base.fingerprint
        sharedVersion = snapshot.shared.version
        tasks = snapshot.taskNames.compactMap { snapshot.tasks[$0] }.map { e in
            Task(task: e.name, version: e.version, labels: e.labels, compliantLabel: e.metadata.compliantLabel,
                 rank: e.metadata.rank,
                 calibration: e.metadata.calibration.map {
                     Calibrated(targetPrecision: $0.targetPrecision, thresholds: $0.thresholds,
                                expectedRejectRate: $0.expectedRejectRate)
                 })
        }
    }
}
