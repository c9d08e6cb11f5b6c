// The efficient MoE-CL feed-forward plugged into a BERT encoder (GELU FFN): builds per-layer pointer tables, runs the kernel.

import TensorCore
import Transformer

/// Runs `MoEFeedForwardKernel` for a batch whose sequences may each use a different task expert.
struct MoEFeedForward: FeedForward {
    let shared: SharedExpert
    /// The distinct task experts of the batch.
    let experts: [LoRAExpert]
    /// For every token row, an index into `experts`.
    let expertOfRow: [Int32]
    /// When set, collects every row's shared-expert gate weight summed over layers.
    var gateSums: GateSums? = nil

    var includesOutputBias: Bool { false }

    func apply(
        layer: Int, weights w: FeedForwardWeights, input x: UnsafePointer<Float>, batch: PackedBatch,
        scratch: UnsafeMutablePointer<Float>, output y: UnsafeMutablePointer<Float>
    ) {
        let d = w.hidden, f = w.intermediate
        guard let b1 = w.b1 else { preconditionFailure("the GELU kernel needs the FFN's b1") }
        let sharedPointers = shared.expert.layers[layer].pointers(scale: shared.expert.scale)
        let table = experts.map { $0.layers[layer].pointers(scale: $0.scale) }
        withExtendedLifetime((shared, experts)) {
            w.w1.withUnsafeBufferPointer { w1 in
                b1.withUnsafeBufferPointer { b1 in
                    w.w2.withUnsafeBufferPointer { w2 in
                        table.withUnsafeBufferPointer { experts in
                            expertOfRow.withUnsafeBufferPointer { rows in
                                MoEFeedForwardKernel.forward(
                                    x: x, rows: batch.tokenCount, hidden: d, intermediate: f, w1: w1.baseAddress!,
                                    b1: b1.baseAddress!, w2: w2.baseAddress!, gate: shared.gates[layer].pointer,
                                    shared: sharedPointers, experts: experts.baseAddress!,
                                    expertOfRow: rows.baseAddress!,
                                    scratch: scratch, output: y, sharedGateSums: gateSums?.pointer,
                                    projections: w.projections)
                            }
                        }
                    }
                }
            }
        }
    }
}
