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
        /// SHA-256 of the expert's file.
        let sha256: String?
        /// When this process loaded it (seconds since 1970).
        let loadedAt: Double?
        enum CodingKeys: String, CodingKey {
            case task, version, labels, rank, calibration, sha256, compliantLabel = "compliant_label", loadedAt =
                "loaded_at"
        }
    }

    let baseFingerprint: String
    let sharedVersion: Int
    let tasks: [Task]

    enum CodingKeys: String, CodingKey {
        case tasks, baseFingerprint = "base_fingerprint", sharedVersion = "shared_version"
    }

    init(_ snapshot: ExpertSnapshot, provenance: ExpertProvenance) {
        baseFingerprint = snapshot.base.fingerprint
        sharedVersion = snapshot.shared.version
        tasks = snapshot.taskNames.compactMap { snapshot.tasks[$0] }.map { e in
            let origin = provenance.entry(e.name)
            return Task(
                task: e.name, version: e.version, labels: e.labels, compliantLabel: e.metadata.compliantLabel,
                rank: e.metadata.rank,
                calibration: e.metadata.calibration.map {
                    Calibrated(
                        targetPrecision: $0.targetPrecision, thresholds: $0.thresholds,
                        expectedRejectRate: $0.expectedRejectRate)
                },
                sha256: origin?.sha256, loadedAt: origin?.loadedAt)
        }
    }
}
