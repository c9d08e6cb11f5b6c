// Scratch tensors of one training step that no layer keeps (reused layer after layer).

/// Buffers named after what they hold; shapes in `ContinualModel+Forward` and `+Backward`.
final class StepWorkspace {
    let x = ScratchBuffer(), context = ScratchBuffer(), projected = ScratchBuffer()
    let mixed = ScratchBuffer(), dropped = ScratchBuffer(), droppedD = ScratchBuffer(), lowRank = ScratchBuffer()
    let dx = ScratchBuffer(), dy = ScratchBuffer(), dx1 = ScratchBuffer(), dMixed = ScratchBuffer()
    let dh = ScratchBuffer(), du = ScratchBuffer(), dqkv = ScratchBuffer(), q = ScratchBuffer(), dw = ScratchBuffer()
    let dz = ScratchBuffer(), dGate = ScratchBuffer(), temp = ScratchBuffer(), tempD = ScratchBuffer()
    let pooled = ScratchBuffer(), logits = ScratchBuffer(), finalInput = ScratchBuffer(), dv = ScratchBuffer()
    let dvTotal = ScratchBuffer()
    var tapes: [LayerTape] = []

    /// `count` tapes (one per layer in training, one reused in inference).
    func tapes(_ count: Int) -> [LayerTape] {
        while tapes.count < count { tapes.append(LayerTape()) }
        return Array(tapes.prefix(count))
    }
}
