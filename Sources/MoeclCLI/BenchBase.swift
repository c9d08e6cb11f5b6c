// The benchmark commands' base model: the loaded encoder with its fingerprint.

import Foundation
import ModelFormats
import MoELoRA
import Transformer

/// The loaded encoder as a `BaseModel` (its fingerprint hashed from the folder's weights file).
enum BenchBase {
    static func wrap(_ encoder: BertEncoder, folder: String) throws -> BaseModel {
        let weights = URL(fileURLWithPath: folder).appendingPathComponent("model.safetensors").path
        return BaseModel(encoder: encoder, fingerprint: try FileDigest.sha256(path: weights))
    }
}
