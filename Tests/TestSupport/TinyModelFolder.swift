// A tiny random BERT or Llama written to a temporary folder and loaded as a base model.

import Foundation
import MoELoRA

/// A loaded TinyBert (or TinyLlama) base model and the folder it lives in.
public struct TinyModelFolder {
    public let folder: URL
    public let base: BaseModel

    public init(seed: UInt64 = 1, hidden: Int = 16, intermediate: Int = 24, layers: Int = 3, heads: Int = 4) throws {
        folder = TestPaths.temporaryFolder("moecl-tiny-model")
        try TinyBert(seed: seed, hidden: hidden, intermediate: intermediate, layers: layers, heads: heads)
            .write(to: folder)
        base = try BaseModel.load(folder: folder.path)
    }

    /// A TinyLlama base (hidden 16, FFN 24, `layers` blocks, the tiny BPE tokenizer).
    public init(llamaSeed seed: UInt64, layers: Int = 2) throws {
        folder = TestPaths.temporaryFolder("moecl-tiny-llama")
        try TinyLlama(seed: seed, layers: layers).write(to: folder)
        base = try BaseModel.load(path: folder.path)
    }

    public var path: String { folder.path }

    /// Removes the temporary folder.
    public func remove() { try? FileManager.default.removeItem(at: folder) }
}
