// The single error type of MoELoRA: every way loading, checking or using experts can fail, with what to do.

import ModelFormats

/// Everything that can go wrong with an expert file, a bundle or a snapshot. Each case names the file and, where
/// one is involved, the tensor or key; `description` ends with what to do.
public enum ExpertError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The safetensors container itself is unreadable, truncated or corrupt.
    case file(ModelFormatsError)
    /// The file has no `format` entry naming an expert kind, or names another kind than expected.
    case notAnExpertFile(path: String, format: String?)
    case wrongKind(path: String, found: ExpertKind, expected: ExpertKind)
    case unsupportedFormatVersion(path: String, version: Int, supported: Int)
    case invalidMetadata(path: String, key: String, reason: String)
    case invalidLabels(path: String, reason: String)
    case rankOutOfBounds(path: String, rank: Int, max: Int)
    case tooLarge(path: String, bytes: Int, max: Int)
    /// The expert was trained on another base model.
    case baseMismatch(path: String, expert: String, loaded: String)
    /// The expert was trained on a base of another architecture family.
    case baseFamilyMismatch(path: String, expert: String, loaded: String)
    case missingTensor(path: String, tensor: String)
    case unexpectedTensor(path: String, tensor: String)
    case wrongShape(path: String, tensor: String, shape: [Int], expected: [Int])
    case wrongDType(path: String, tensor: String, dtype: String)
    case nonFinite(path: String, tensor: String, index: Int)
    /// A weight's magnitude exceeds `ExpertLimits.maxWeightMagnitude`.
    case weightTooLarge(path: String, tensor: String, index: Int, value: Float)
    /// A bundle's manifest is missing or wrong.
    case invalidManifest(path: String, reason: String)
    /// A file's bytes differ from the checksum its manifest records.
    case checksumMismatch(path: String, expected: String, actual: String)
    /// The task named in a file differs from the one its manifest or upload names.
    case taskMismatch(path: String, expected: String, found: String)
    case duplicateTask(task: String)
    case unknownTask(task: String, known: [String])
    /// An expert does not fit the loaded base model (built in memory, not read from a file).
    case incompatible(task: String, reason: String)
    case writeFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case .file(let error):
            return error.description
        case .notAnExpertFile(let path, let format):
            let found = format.map { "its format is '\($0)'" } ?? "it has no 'format' metadata entry"
            return "\(path): not a moecl expert file (\(found)); pass an expert file or bundle folder written by moecl"
        case .wrongKind(let path, let found, let expected):
            return "\(path): this is a \(found.rawValue) file where a \(expected.rawValue) file is needed; "
                + "check which file the manifest or command names"
        case .unsupportedFormatVersion(let path, let version, let supported):
            return
                "\(path): expert format version \(version) is not supported (this build reads version \(supported)); "
                + "use a moecl release that matches the file, or re-export the expert"
        case .invalidMetadata(let path, let key, let reason):
            return "\(path): metadata '\(key)' \(reason); re-create the expert or fix its metadata (docs/FORMATS.md)"
        case .invalidLabels(let path, let reason):
            return "\(path): invalid labels: \(reason); a task needs unique, non-empty labels"
        case .rankOutOfBounds(let path, let rank, let max):
            return "\(path): LoRA rank \(rank) is outside 1…\(max); retrain the expert with a rank in range"
        case .tooLarge(let path, let bytes, let max):
            return "\(path): \(bytes) bytes is over the \(max)-byte limit for one expert file; "
                + "this is not a LoRA expert of a supported size"
        case .baseMismatch(let path, let expert, let loaded):
            return "\(path): expert was trained for base fingerprint \(expert.prefix(12))…, but the loaded base is "
                + "\(loaded.prefix(12))…: retrain the expert on this base, or load the matching base model (--model)"
        case .baseFamilyMismatch(let path, let expert, let loaded):
            return "\(path): expert was trained on a \(expert) base model, but the loaded base is a \(loaded) "
                + "model: an expert only runs on the base it was trained on; train it on this base, or start the "
                + "server with its base (--model)"
        case .missingTensor(let path, let tensor):
            return "\(path): tensor '\(tensor)' is missing; the file is incomplete or for another architecture: "
                + "re-export the expert"
        case .unexpectedTensor(let path, let tensor):
            return "\(path): unexpected tensor '\(tensor)' (see docs/FORMATS.md for the tensor names); "
                + "the file is for another format or architecture"
        case .wrongShape(let path, let tensor, let shape, let expected):
            return "\(path): tensor '\(tensor)' has shape \(shape) but \(expected) is needed (from the loaded base's "
                + "sizes and the file's rank and labels): the expert was made for another base or its metadata "
                + "does not match its tensors; retrain it or load the matching base"
        case .wrongDType(let path, let tensor, let dtype):
            return "\(path): tensor '\(tensor)' is \(dtype); expert tensors must be F32, F16 or BF16"
        case .nonFinite(let path, let tensor, let index):
            return "\(path): tensor '\(tensor)' holds a NaN or infinity at element \(index): the training diverged "
                + "or the file is damaged; retrain or restore the expert"
        case .weightTooLarge(let path, let tensor, let index, let value):
            let limit = Int(ExpertLimits.maxWeightMagnitude)
            return "\(path): tensor '\(tensor)' holds \(value) at element \(index), beyond the ±\(limit) any usable "
                + "expert stays within: the training diverged or the file is damaged; retrain or restore the expert"
        case .invalidManifest(let path, let reason):
            return
                "\(path): \(reason); a bundle folder holds manifest.json, shared.safetensors and tasks/*.safetensors "
                + "(docs/FORMATS.md)"
        case .checksumMismatch(let path, let expected, let actual):
            return
                "\(path): SHA-256 is \(actual.prefix(12))… but the manifest records \(expected.prefix(12))…: "
                + "the file was changed or damaged after the bundle was written; restore it or re-create the bundle"
        case .taskMismatch(let path, let expected, let found):
            return
                "\(path): the file is the expert of task '\(found)', not '\(expected)'; list it under its own task name"
        case .duplicateTask(let task):
            return "task '\(task)' appears twice in the bundle; keep one expert per task"
        case .unknownTask(let task, let known):
            let list = known.isEmpty ? "none are loaded" : "loaded: \(known.sorted().joined(separator: ", "))"
            return "unknown task '\(task)' (\(list)); load its expert or use one of the loaded tasks"
        case .incompatible(let task, let reason):
            return "expert '\(task)' does not fit the loaded base: \(reason)"
        case .writeFailed(let path, let reason):
            return "\(path): writing failed (\(reason)); check free space and permissions of the folder"
        }
    }
}
