// The frozen base encoder with its fingerprint, as experts are checked against it.

import Foundation
import ModelFormats
import Transformer

/// A loaded base model and the SHA-256 of its `model.safetensors` (the fingerprint experts record).
public final class BaseModel: Sendable {
    public let encoder: BertEncoder
    public let fingerprint: String

    public init(encoder: BertEncoder, fingerprint: String) {
        self.encoder = encoder
        self.fingerprint = fingerprint
    }

    /// Loads the encoder of a Hugging Face style folder and hashes its weights file.
    /// - Throws: `TransformerError` for a bad model, `ModelFormatsError` when the file cannot be hashed.
    public static func load(folder: String) throws -> BaseModel {
        let encoder = try BertEncoder.load(folder: folder)
        let fingerprint = try FileDigest.sha256(
            path: URL(fileURLWithPath: folder).appendingPathComponent("model.safetensors").path)
        return BaseModel(encoder: encoder, fingerprint: fingerprint)
    }

    public var config: BertConfig { encoder.config }
}
