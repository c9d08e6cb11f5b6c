// Reading expert files: every check (size, metadata, base fingerprint, tensor set, shapes, finite values) before use.

import Foundation
import ModelFormats
import TensorCore
import Transformer

/// Reads task and shared expert files (format: docs/FORMATS.md), validated against a loaded base model.
public enum ExpertFile {
    /// Opens `path` and decodes its metadata, without checking it against a base (for `moecl inspect`).
    public static func open(path: String) throws -> (SafeTensorsFile, ExpertMetadata) {
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        guard size <= ExpertLimits.maxFileBytes else {
            throw ExpertError.tooLarge(path: path, bytes: size, max: ExpertLimits.maxFileBytes)
        }
        let file: SafeTensorsFile
        do { file = try SafeTensorsFile(path: path) } catch let error as ModelFormatsError {
            throw ExpertError.file(error)
        }
        return (file, try ExpertMetadata.decode(file.metadata, path: path))
    }

    /// Decodes the metadata of `bytes`, a whole expert file named `name` in error messages, without checking it
    /// against a base.
    public static func open(bytes: [UInt8], name: String) throws -> (SafeTensorsFile, ExpertMetadata) {
        guard bytes.count <= ExpertLimits.maxFileBytes else {
            throw ExpertError.tooLarge(path: name, bytes: bytes.count, max: ExpertLimits.maxFileBytes)
        }
        let file: SafeTensorsFile
        do { file = try SafeTensorsFile(bytes: bytes, name: name) } catch let error as ModelFormatsError {
            throw ExpertError.file(error)
        }
        return (file, try ExpertMetadata.decode(file.metadata, path: name))
    }

    /// Reads and checks a task expert for `base`.
    public static func readTask(path: String, base: BaseModel) throws -> TaskExpert {
        let (file, meta) = try open(path: path)
        return try readTask(file, meta: meta, base: base)
    }

    /// Checks a task expert held in memory (an upload) for `base`; `name` stands for it in error messages.
    public static func readTask(bytes: [UInt8], name: String, base: BaseModel) throws -> TaskExpert {
        let (file, meta) = try open(bytes: bytes, name: name)
        return try readTask(file, meta: meta, base: base)
    }

    private static func readTask(_ file: SafeTensorsFile, meta: ExpertMetadata, base: BaseModel) throws -> TaskExpert {
        try check(meta, kind: .task, path: file.path, base: base)
        let c = base.shape
        var expected = loraShapes(rank: meta.rank, shape: c)
        expected.append((ExpertTensorNames.headWeight, [meta.labels.count, c.hiddenSize]))
        expected.append((ExpertTensorNames.headBias, [meta.labels.count]))
        let hasScene = file.info(ExpertTensorNames.sceneWeight) != nil || file.info(ExpertTensorNames.sceneBias) != nil
        if hasScene != (meta.scene != nil) {
            throw ExpertError.invalidMetadata(
                path: file.path, key: "scene",
                reason: hasScene
                    ? "the file has scene.weight but no scene entry: refit it with moecl scene-fit"
                    : "the entry needs the scene.weight and scene.bias tensors: refit it with moecl scene-fit")
        }
        if hasScene {
            expected.append((ExpertTensorNames.sceneWeight, [c.hiddenSize]))
            expected.append((ExpertTensorNames.sceneBias, [1]))
        }
        let tensors = try read(file, expected: expected, optional: [])
        let head = TaskHead(
            labels: meta.labels, weight: tensors[ExpertTensorNames.headWeight]!,
            bias: tensors[ExpertTensorNames.headBias]!)
        let scene =
            hasScene
            ? SceneDetector(
                weight: tensors[ExpertTensorNames.sceneWeight]!, bias: tensors[ExpertTensorNames.sceneBias]![0])
            : nil
        return TaskExpert(metadata: meta, expert: expert(tensors, meta: meta, shape: c), head: head, scene: scene)
    }

    /// Reads and checks the shared expert and gates for `base`.
    public static func readShared(path: String, base: BaseModel) throws -> SharedExpert {
        let (file, meta) = try open(path: path)
        return try readShared(file, meta: meta, base: base)
    }

    /// Checks a shared expert held in memory (an evolution candidate) for `base`; `name` stands for it in errors.
    public static func readShared(bytes: [UInt8], name: String, base: BaseModel) throws -> SharedExpert {
        let (file, meta) = try open(bytes: bytes, name: name)
        return try readShared(file, meta: meta, base: base)
    }

    private static func readShared(_ file: SafeTensorsFile, meta: ExpertMetadata, base: BaseModel) throws
        -> SharedExpert
    {
        try check(meta, kind: .shared, path: file.path, base: base)
        let c = base.shape, layers = c.layers, family = c.family
        var expected = loraShapes(rank: meta.rank, shape: c)
        for l in 0..<layers { expected.append((ExpertTensorNames.gate(l, family), [2, c.hiddenSize])) }
        var optional: [(String, [Int])] = []
        if let first = file.info(ExpertTensorNames.discriminatorWeight(0, family)), first.shape.count == 2,
            (1...4096).contains(first.shape[0])
        {
            let k = first.shape[0]
            for l in 0..<layers {
                optional.append((ExpertTensorNames.discriminatorWeight(l, family), [k, c.hiddenSize]))
                optional.append((ExpertTensorNames.discriminatorBias(l, family), [k]))
            }
        }
        let tensors = try read(file, expected: expected, optional: optional)
        let gates = (0..<layers).map { tensors[ExpertTensorNames.gate($0, family)]! }
        let discriminators =
            optional.isEmpty
            ? nil
            : (0..<layers).map {
                SharedExpert.Discriminator(
                    weight: tensors[ExpertTensorNames.discriminatorWeight($0, family)]!,
                    bias: tensors[ExpertTensorNames.discriminatorBias($0, family)]!)
            }
        return SharedExpert(
            metadata: meta, expert: expert(tensors, meta: meta, shape: c), gates: gates,
            discriminators: discriminators)
    }

    private static func check(_ meta: ExpertMetadata, kind: ExpertKind, path: String, base: BaseModel) throws {
        guard meta.kind == kind else { throw ExpertError.wrongKind(path: path, found: meta.kind, expected: kind) }
        // Files written before `base_family` existed are BERT files.
        let family = meta.baseFamily ?? BackboneShape.Family.bert.rawValue
        if family != base.shape.family.rawValue {
            throw ExpertError.baseFamilyMismatch(path: path, expert: family, loaded: base.shape.family.rawValue)
        }
        guard meta.baseModelSHA256 == base.fingerprint else {
            throw ExpertError.baseMismatch(path: path, expert: meta.baseModelSHA256, loaded: base.fingerprint)
        }
    }

    static func loraShapes(rank: Int, shape: BackboneShape) -> [(String, [Int])] {
        (0..<shape.layers).flatMap { ExpertTensorNames.lora($0, rank: rank, shape: shape) }
    }

    /// Reads exactly the `expected` tensors (plus `optional` ones): presence, no strays, float dtype, shape, finite.
    /// Each lands in storage of its own size, copied from the file mapping; the LoRA B factors (names ending in
    /// `lora_B.weight`) are transposed on the way, so loading allocates nothing beyond the expert itself.
    private static func read(
        _ file: SafeTensorsFile, expected: [(String, [Int])],
        optional: [(String, [Int])]
    ) throws -> [String: FloatStorage] {
        let path = file.path
        for (name, _) in expected where file.info(name) == nil {
            throw ExpertError.missingTensor(path: path, tensor: name)
        }
        let known = Set((expected + optional).map(\.0))
        if let stray = file.names.sorted().first(where: { !known.contains($0) }) {
            throw ExpertError.unexpectedTensor(path: path, tensor: stray)
        }
        var result: [String: FloatStorage] = [:]
        for (name, shape) in expected + optional {
            guard let info = file.info(name) else { throw ExpertError.missingTensor(path: path, tensor: name) }
            guard [.f32, .f16, .bf16].contains(info.dtype) else {
                throw ExpertError.wrongDType(path: path, tensor: name, dtype: info.dtype.rawValue)
            }
            guard info.shape == shape else {
                throw ExpertError.wrongShape(path: path, tensor: name, shape: info.shape, expected: shape)
            }
            let transpose = name.hasSuffix("lora_B.weight")
            let storage: FloatStorage
            do {
                storage = try file.withFloats(name) { values in
                    if let bad = values.firstIndex(where: { !$0.isFinite }) {
                        throw ExpertError.nonFinite(path: path, tensor: name, index: bad)
                    }
                    let limit = ExpertLimits.maxWeightMagnitude
                    if let big = values.firstIndex(where: { $0 > limit || $0 < -limit }) {
                        throw ExpertError.weightTooLarge(path: path, tensor: name, index: big, value: values[big])
                    }
                    return FloatStorage(count: values.count) { out in
                        if transpose {
                            let rows = shape[0], columns = shape[1]
                            for r in 0..<rows {
                                for c in 0..<columns { out[c * rows + r] = values[r * columns + c] }
                            }
                        } else {
                            _ = out.initialize(from: values)
                        }
                    }
                }
            } catch let error as ModelFormatsError { throw ExpertError.file(error) }
            result[name] = storage
        }
        return result
    }

    private static func expert(_ t: [String: FloatStorage], meta: ExpertMetadata, shape: BackboneShape)
        -> LoRAExpert
    {
        let r = meta.rank, d = shape.hiddenSize, f = shape.intermediateSize, family = shape.family
        func factors(_ role: ExpertTensorNames.Role, _ l: Int, in n: Int, out m: Int) -> LoRAFactors {
            LoRAFactors(
                rank: r, inputSize: n, outputSize: m, a: t[ExpertTensorNames.a(role, l, family)]!,
                bTransposed: t[ExpertTensorNames.b(role, l, family)]!)
        }
        let layers = (0..<shape.layers).map { l in
            ExpertLayer(
                up: factors(.up, l, in: d, out: f), down: factors(.down, l, in: f, out: d),
                linear: shape.isGated ? factors(.linear, l, in: d, out: f) : nil)
        }
        return LoRAExpert(rank: r, alpha: meta.alpha, layers: layers)
    }
}
