// Scoring with the model being trained (any mixing), and its export to the immutable experts files hold.

import Foundation
import MoELoRA
import TensorCore

extension ContinualModel {
    /// Class probabilities of every sequence under its own task's head (no dropout, no gradients).
    public func scores(_ batch: TrainingBatch, workspace: TrainingWorkspace) -> [[Float]] {
        let work = workspace.work, d = shape.hiddenSize
        _ = forward(batch, settings: .inference, work: work)
        let x = work.x.pointer
        return (0..<batch.packed.count).map { s in
            let pooled = meanRows(x, rows: readoutRows(s, batch.packed), columns: d)
            let logits = headLogits(tasks[batch.tasks[s]].head, pooled)
            let top = logits.max() ?? 0
            let exps = logits.map { Foundation.exp($0 - top) }
            let total = exps.reduce(0, +)
            return exps.map { Float($0 / total) }
        }
    }

    /// The shared expert, gates and discriminators as an immutable `SharedExpert` (gated mixing only).
    public func sharedExpert(fingerprint: String, version: Int, training: String) -> SharedExpert {
        precondition(mixing == .gated, "only MoE-CL models export a shared expert with gates")
        let meta = ExpertMetadata(
            kind: .shared, rank: rank, alpha: alpha, version: version, baseModelSHA256: fingerprint,
            baseFamily: shape.family.rawValue, training: training)
        return SharedExpert(
            metadata: meta, expert: shared!.expert(shape: shape), gates: gates.map { $0.values },
            discriminators: discriminators.map(\.stored))
    }

    /// Task `t`'s expert and head as an immutable `TaskExpert` (gated mixing only).
    public func taskExpert(_ t: Int, fingerprint: String, training: String) -> TaskExpert {
        precondition(mixing == .gated, "only MoE-CL models export task experts")
        let slot = tasks[t]
        let meta = ExpertMetadata(
            kind: .task, task: slot.name, labels: slot.labels, compliantLabel: slot.compliantLabel,
            rank: rank, alpha: alpha, version: slot.version, baseModelSHA256: fingerprint,
            baseFamily: shape.family.rawValue, promptTemplate: slot.promptTemplate, training: training)
        return TaskExpert(metadata: meta, expert: slot.lora!.expert(shape: shape), head: slot.head.head)
    }
}
