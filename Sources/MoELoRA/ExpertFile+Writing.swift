// Writing expert files: F32 tensors in the documented names, metadata in the header, atomically.

import ModelFormats
import TensorCore
import Transformer

extension ExpertFile {
    /// The bytes of a task expert file.
    public static func serialized(_ task: TaskExpert) throws -> [UInt8] {
        var writer = SafeTensorsWriter(metadata: task.metadata.encoded())
        add(task.expert, family: family(task.metadata), to: &writer)
        let c = task.labels.count
        writer.add(ExpertTensorNames.headWeight, Tensor(shape: [c, task.head.inputSize], data: task.head.weight.array))
        writer.add(ExpertTensorNames.headBias, Tensor(shape: [c], data: task.head.bias.array))
        if let scene = task.scene {
            writer.add(ExpertTensorNames.sceneWeight, Tensor(shape: [scene.weight.count], data: scene.weight.array))
            writer.add(ExpertTensorNames.sceneBias, Tensor(shape: [1], data: [scene.bias]))
        }
        return try writer.serialized()
    }

    /// The bytes of a shared expert file.
    public static func serialized(_ shared: SharedExpert) throws -> [UInt8] {
        var writer = SafeTensorsWriter(metadata: shared.metadata.encoded())
        let family = family(shared.metadata)
        add(shared.expert, family: family, to: &writer)
        for (l, gate) in shared.gates.enumerated() {
            writer.add(ExpertTensorNames.gate(l, family), Tensor(shape: [2, gate.count / 2], data: gate.array))
        }
        for (l, disc) in (shared.discriminators ?? []).enumerated() {
            let k = disc.bias.count
            writer.add(
                ExpertTensorNames.discriminatorWeight(l, family),
                Tensor(shape: [k, disc.weight.count / k], data: disc.weight.array))
            writer.add(ExpertTensorNames.discriminatorBias(l, family), Tensor(shape: [k], data: disc.bias.array))
        }
        return try writer.serialized()
    }

    /// Writes a task expert file atomically (temporary file, fsync, rename).
    public static func write(_ task: TaskExpert, to path: String) throws {
        try writeBytes(try serialized(task), to: path)
    }

    /// Writes a shared expert file atomically.
    public static func write(_ shared: SharedExpert, to path: String) throws {
        try writeBytes(try serialized(shared), to: path)
    }

    static func writeBytes(_ bytes: [UInt8], to path: String) throws {
        do { try AtomicFileWriter.writeAtomically(bytes, to: path) } catch let error as ModelFormatsError {
            throw ExpertError.file(error)
        }
    }

    /// The family whose tensor names a file uses (recorded in its metadata; files without it are BERT's).
    static func family(_ meta: ExpertMetadata) -> BackboneShape.Family {
        meta.baseFamily.flatMap(BackboneShape.Family.init(rawValue:)) ?? .bert
    }

    private static func add(_ expert: LoRAExpert, family: BackboneShape.Family, to writer: inout SafeTensorsWriter) {
        let r = expert.rank
        for (l, layer) in expert.layers.enumerated() {
            let roles: [(ExpertTensorNames.Role, LoRAFactors?)] = [
                (.up, layer.up), (.down, layer.down), (.linear, layer.linear),
            ]
            for case (let role, let factors?) in roles {
                writer.add(
                    ExpertTensorNames.a(role, l, family),
                    Tensor(shape: [r, factors.inputSize], data: factors.a.array))
                writer.add(
                    ExpertTensorNames.b(role, l, family), Tensor(shape: [factors.outputSize, r], data: factors.b))
            }
        }
    }
}
