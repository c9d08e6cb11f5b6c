// Loading a BertEncoder from a Hugging Face model folder: config.json and model.safetensors, fully validated.

import Foundation
import ModelFormats
import TensorCore

extension BertEncoder {
    /// Loads the encoder of a BERT model folder.
    ///
    /// Sizes come from `config.json`; every tensor is checked for presence, shape and finite values before use.
    /// Tensor names may carry a `bert.` prefix (checkpoints saved from a task model).
    /// - Throws: `TransformerError` naming the file and tensor, and what to do.
    public static func load(folder: String) throws -> BertEncoder {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDir), isDir.boolValue else {
            throw TransformerError.missingFile(
                path: folder,
                hint: "no model folder here; run make setup to fetch the default model, or pass --model DIR")
        }
        let config = try BertConfig.load(folder: folder)
        let path = URL(fileURLWithPath: folder).appendingPathComponent("model.safetensors").path
        guard FileManager.default.fileExists(atPath: path) else {
            throw TransformerError.missingFile(
                path: path, hint: "the model folder has no weights; run make setup to fetch them")
        }
        let file: SafeTensorsFile
        do {
            file = try SafeTensorsFile(path: path)
        } catch let error as ModelFormatsError {
            throw TransformerError.weightsUnreadable(path: path, reason: error.description)
        }
        let reader = WeightReader(
            file: file, path: path,
            prefix: file.info("bert.embeddings.word_embeddings.weight") != nil ? "bert." : "")
        let embeddingShapes = BertEmbeddingWeights.tensorShapes(config: config)
        let e = try embeddingShapes.map { try reader.read($0.0, shape: $0.1) }
        let embeddings = BertEmbeddingWeights(
            word: e[0], position: e[1], tokenType: e[2], normGamma: e[3], normBeta: e[4])
        var layers: [BertLayerWeights] = []
        for i in 0..<config.numHiddenLayers {
            let t = try BertLayerWeights.tensorShapes(layer: i, config: config).map {
                try reader.read($0.0, shape: $0.1)
            }
            layers.append(
                BertLayerWeights(
                    qkvWeight: t[0] + t[2] + t[4], qkvBias: t[1] + t[3] + t[5],
                    attentionOutputWeight: t[6], attentionOutputBias: t[7], attentionNormGamma: t[8],
                    attentionNormBeta: t[9],
                    intermediateWeight: t[10], intermediateBias: t[11], outputWeight: t[12], outputBias: t[13],
                    outputNormGamma: t[14], outputNormBeta: t[15]))
        }
        return BertEncoder(config: config, embeddings: embeddings, layers: layers)
    }
}

/// Reads named float tensors with shape and finiteness checks.
private struct WeightReader {
    let file: SafeTensorsFile
    let path: String
    let prefix: String

    func read(_ name: String, shape: [Int]) throws -> [Float] {
        let full = prefix + name
        guard let info = file.info(full) else { throw TransformerError.missingTensor(path: path, tensor: full) }
        guard info.shape == shape else {
            throw TransformerError.wrongShape(path: path, tensor: full, expected: shape, actual: info.shape)
        }
        let tensor: Tensor
        do {
            tensor = try file.tensor(full)
        } catch let error as ModelFormatsError {
            throw TransformerError.weightsUnreadable(path: path, reason: error.description)
        }
        guard tensor.data.allSatisfy({ $0.isFinite }) else {
            throw TransformerError.nonFiniteWeight(path: path, tensor: full)
        }
        return tensor.data
    }
}
