// The efficient MoE-CL feed-forward plugged into the encoder: builds per-layer pointer tables, runs the kernel.

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
        layer: Int, weights w: BertLayerWeights, input x: UnsafePointer<Float>, batch: PackedBatch,
        scratch: UnsafeMutablePointer<Float>, output y: UnsafeMutablePointer<Float>
    ) {
        let d = w.outputBias.count, f = w.intermediateBias.count
        let sharedPointers = shared.expert.layers[layer].pointers(scale: shared.expert.scale)
        let table = experts.map { $0.layers[layer].pointers(scale: $0.scale) }
        withExtendedLifetime((shared, experts)) {
            w.intermediateWeight.withUnsafeBufferPointer { w1 in
                w.intermediateBias.withUnsafeBufferPointer { b1 in
                    w.outputWeight.withUnsafeBufferPointer { w2 in
                        table.withUnsafeBufferPointer { experts in
                            expertOfRow.withUnsafeBufferPointer { rows in
                                MoEFeedForwardKernel.forward(
                                    x: x, rows: batch.tokenCount, hidden: d, intermediate: f, w1: w1.baseAddress!,
                                    b1: b1.baseAddress!, w2: w2.baseAddress!, gate: shared.gates[layer].pointer,
                                    shared: sharedPointers, experts: experts.baseAddress!,
                                    expertOfRow: rows.baseAddress!,
                                    scratch: scratch, output: y, sharedGateSums: gateSums?.pointer)
                            }
                        }
                    }
                }
            }
        }
    }
}
