// The `__metadata__` of an expert file: what the expert is, what it was trained for, how it is calibrated.

import Foundation
import Moderation

/// Metadata of a task or shared expert file. Every value is a string in the file (safetensors allows no other);
/// lists and objects are JSON text. Keys and meanings: docs/FORMATS.md.
public struct ExpertMetadata: Sendable, Equatable {
    /// The format version this code writes and reads.
    public static let formatVersion = 1

    public var kind: ExpertKind
    /// Task name (task experts only; empty for the shared expert).
    public var task: String
    /// Ordered labels, index = head row (task experts only).
    public var labels: [String]
    /// The compliant label of a moderation task; nil for other tasks.
    public var compliantLabel: String?
    public var rank: Int
    public var alpha: Float
    /// Version of this expert, from 1, increasing with each training.
    public var version: Int
    /// SHA-256 of the base model's weights file (`model.safetensors`, or the GGUF file) the expert was trained on.
    public var baseModelSHA256: String
    /// The base's architecture family ("bert", "llama"), when recorded (files before it have none).
    public var baseFamily: String?
    /// The prompt a task expert reads the posted text in (task experts on decoders); nil: the plain text.
    public var promptTemplate: PromptTemplate?
    /// ISO 8601 creation time.
    public var createdAt: String
    /// Training summary: a JSON object (method, data, seed, epochs, dev accuracy...), "{}" when unknown.
    public var training: String
    /// Calibrated thresholds, when the expert has been calibrated.
    public var calibration: Calibration?
    /// The scene guard's settings, when the expert carries a scene detector (task experts only).
    public var scene: SceneGuard?

    public init(
        kind: ExpertKind, task: String = "", labels: [String] = [], compliantLabel: String? = nil,
        rank: Int, alpha: Float, version: Int = 1, baseModelSHA256: String, baseFamily: String? = nil,
        createdAt: String = Self.now(), promptTemplate: PromptTemplate? = nil, training: String = "{}",
        calibration: Calibration? = nil
    ) {
        self.kind = kind
        self.task = task
        self.labels = labels
        self.compliantLabel = compliantLabel
        self.rank = rank
        self.alpha = alpha
        self.version = version
        self.baseModelSHA256 = baseModelSHA256
        self.baseFamily = baseFamily
        self.promptTemplate = promptTemplate
        self.createdAt = createdAt
        self.training = training
        self.calibration = calibration
    }

    /// The current time in ISO 8601 (UTC, seconds).
    public static func now() -> String {
        ISO8601DateFormatter().string(from: Date())
    }

    /// The string map written to the file header.
    public func encoded() -> [String: String] {
        var m: [String: String] = [
            "format": kind.rawValue, "format_version": String(Self.formatVersion), "rank": String(rank),
            "alpha": String(alpha), "version": String(version), "base_model_sha256": baseModelSHA256,
            "created_at": createdAt, "training": training,
        ]
        if kind == .task {
            m["task"] = task
            m["labels"] = Self.json(labels)
            if let compliantLabel { m["compliant_label"] = compliantLabel }
            if let promptTemplate { m["prompt_template"] = promptTemplate.text }
        }
        if let baseFamily { m["base_family"] = baseFamily }
        if let calibration, let data = try? Self.encoder.encode(calibration) {
            m["calibration"] = String(decoding: data, as: UTF8.self)
        }
        if kind == .task, let scene, let data = try? Self.encoder.encode(scene) {
            m["scene"] = String(decoding: data, as: UTF8.self)
        }
        return m
    }

    private static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return e
    }()

    static func json(_ strings: [String]) -> String {
        let data = try? JSONSerialization.data(withJSONObject: strings, options: [.withoutEscapingSlashes])
        return data.map { String(decoding: $0, as: UTF8.self) } ?? "[]"
    }
}
