// The frozen base a bundle runs on: its network (any family), its tokenizer and its fingerprint.

import TensorCore
import Transformer
import Tokenization

/// A loaded base model: what `--model` names. Experts record its fingerprint (the SHA-256 of its weights file)
/// and are refused on any other base.
public final class BaseModel: Sendable {
    public let backbone: any Backbone
    public let tokenizer: any Tokenizer
    public let fingerprint: String
    /// Where it was loaded from (a folder or a GGUF file), for messages.
    public let path: String

    public init(backbone: any Backbone, tokenizer: any Tokenizer, fingerprint: String, path: String) {
        self.backbone = backbone
        self.tokenizer = tokenizer
        self.fingerprint = fingerprint
        self.path = path
    }

    public var shape: BackboneShape { backbone.shape }

    /// The BERT encoder, when the base is one.
    public var encoder: BertEncoder? { backbone as? BertEncoder }
    /// The arithmetic of the base's projections.
    public var precision: Precision { encoder?.precision ?? decoder?.precision ?? .fp32 }

    /// The Llama decoder, when the base is one.
    public var decoder: LlamaDecoder? { backbone as? LlamaDecoder }

    /// The default prompt template of a new task on this base: decoders read a framed prompt at its last token
    /// (the method's form, "Comment: …\nAnswer:"), encoders pool the plain text.
    public var defaultPromptTemplate: PromptTemplate? {
        shape.readout == .lastToken ? PromptTemplate.moderation : nil
    }

    /// The bare base's read-out vector of each sequence (no experts): what a head without experts would see.
    public func readout(sequences: [[Int32]]) throws -> [[Float]] {
        let batch = PackedBatch(sequences: sequences)
        return backbone.readout(try backbone.hiddenStates(batch, feedForward: nil), batch: batch)
    }

    /// Ids of `text` for a task with `template`: the framed prompt, cut to the tokenizer's limit when `truncate`.
    /// A last-token base keeps the template's end whole when the text must be cut (the head reads there).
    public func encode(_ text: String, template: PromptTemplate?, truncate: Bool) -> [Int32] {
        guard let template else { return tokenizer.encode(text, truncate: truncate) }
        let full = tokenizer.encode(template.prefix + text + template.suffix, truncate: false)
        let limit = tokenizer.maxLength
        guard truncate, full.count > limit else { return full }
        guard shape.readout == .lastToken, !template.suffix.isEmpty else {
            return tokenizer.encode(template.prefix + text + template.suffix, truncate: true)
        }
        let tail = tokenizer.encode(template.suffix, truncate: false)
        guard tail.count < limit else { return Array(tail.suffix(limit)) }
        return Array(tokenizer.encode(template.prefix + text, truncate: true).prefix(limit - tail.count)) + tail
    }
}
