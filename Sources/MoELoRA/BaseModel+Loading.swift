// Loading a base by what `--model` names: a BERT folder, a Hugging Face Llama folder or a GGUF file.

import Foundation
import ModelFormats
import TensorCore
import Tokenization
import Transformer

extension BaseModel {
    /// Tokens per sequence on a decoder base unless told otherwise (moderation texts are short; attention cost
    /// grows with the square of the length).
    public static let decoderMaxTokens = 256

    /// Loads the base at `path`: a `.gguf` file (Llama architecture, its tokenizer from the same file), or a folder
    /// with `config.json` whose `model_type` is "llama" (weights in safetensors, `tokenizer.json`), or else a BERT
    /// folder (`model.safetensors`, `vocab.txt` or `tokenizer.json`). The tokenizer's limit is at most the
    /// model's positions and, on a decoder, `maxTokens` (default `decoderMaxTokens`). `precision` `.int8` quantises
    /// the projections at load (a BERT encoder's four per layer, a decoder's seven per block); `.auto` is int8 on a
    /// BERT encoder and fp32 on a decoder.
    /// - Throws: `TransformerError`, `TokenizationError` or `ModelFormatsError`, each naming the file.
    public static func load(
        path: String, maxTokens: Int? = nil, precision: PrecisionSetting = .fp32
    ) throws -> BaseModel {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            throw TransformerError.missingFile(
                path: path,
                hint: "pass --model DIR (a model folder) or --model FILE.gguf; make setup fetches the defaults")
        }
        let folder = URL(fileURLWithPath: path)
        let decoder = !isFolder.boolValue || modelType(folder) == "llama"
        let resolved = precision.resolved(autoIsInt8: !decoder)
        if !isFolder.boolValue { return try gguf(path: path, maxTokens: maxTokens, precision: resolved) }
        if decoder { return try llamaFolder(folder, maxTokens: maxTokens, precision: resolved) }
        let encoder = try BertEncoder.load(folder: path).with(precision: resolved)
        let tokenizer = try BertTokenizer.load(folder: path)
        let limit = min(tokenizer.maxLength, encoder.config.maxPositionEmbeddings, maxTokens ?? .max)
        return BaseModel(
            backbone: encoder, tokenizer: tokenizer.withMaxLength(limit),
            fingerprint: try FileDigest.sha256(path: folder.appendingPathComponent("model.safetensors").path),
            path: path)
    }

    /// The same as `load(path:)` (the name older callers use).
    public static func load(folder: String) throws -> BaseModel { try load(path: folder) }

    private static func gguf(path: String, maxTokens: Int?, precision: Precision) throws -> BaseModel {
        let file = try GGUFFile(path: path)
        let decoder = try LlamaDecoder.load(gguf: file).with(precision: precision)
        let limit = min(decoder.config.contextLength, maxTokens ?? decoderMaxTokens)
        return BaseModel(
            backbone: decoder, tokenizer: try ByteLevelBPETokenizer.fromGGUF(file, maxLength: limit),
            fingerprint: try FileDigest.sha256(path: path), path: path)
    }

    private static func llamaFolder(_ folder: URL, maxTokens: Int?, precision: Precision) throws -> BaseModel {
        let decoder = try LlamaDecoder.load(folder: folder.path).with(precision: precision)
        let limit = min(decoder.config.contextLength, maxTokens ?? decoderMaxTokens)
        let tokenizer = try ByteLevelBPETokenizer.fromTokenizerJSON(
            path: folder.appendingPathComponent("tokenizer.json").path, maxLength: limit)
        let single = folder.appendingPathComponent("model.safetensors").path
        let weights =
            FileManager.default.fileExists(atPath: single)
            ? single : folder.appendingPathComponent("model.safetensors.index.json").path
        return BaseModel(
            backbone: decoder, tokenizer: tokenizer, fingerprint: try FileDigest.sha256(path: weights),
            path: folder.path)
    }

    /// `model_type` of the folder's config.json, when it has one.
    private static func modelType(_ folder: URL) -> String? {
        guard let data = FileManager.default.contents(atPath: folder.appendingPathComponent("config.json").path),
            let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
        else { return nil }
        return object["model_type"] as? String
    }
}
