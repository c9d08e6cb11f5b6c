// One expert's adapters in one FFN layer.

import TensorCore

/// The LoRA adapters of one expert in one layer: `up` on W1 (d → f), `down` on W2 (f → d).
public struct ExpertLayer: Sendable {
    public let up: LoRAFactors
    public let down: LoRAFactors

    public init(up: LoRAFactors, down: LoRAFactors) {
        precondition(up.rank == down.rank, "both adapters of a layer share the expert's rank")
        self.up = up
        self.down = down
    }

    /// Raw pointers for the kernels, with `scale` = alpha / rank; valid while `self` is alive.
    func pointers(scale: Float) -> LoRALayerPointers {
        LoRALayerPointers(
            upA: up.a.pointer, upBT: up.bTransposed.pointer, downA: down.a.pointer,
            downBT: down.bTransposed.pointer, rank: up.rank, scale: scale)
    }
}
