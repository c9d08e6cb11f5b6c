// The training step: forward with saved activations, then the backward pass layer by layer down to layer 0's FFN.
// The base weights are frozen: only input gradients flow through them (no weight-gradient storage).

import TensorCore
import Transformer

extension ContinualModel {
    /// One forward and backward pass: adds the gradients of the step's objective to the trainable parameters'
    /// gradient buffers (zero them first) and returns the losses.
    public func step(_ batch: TrainingBatch, settings: StepSettings, workspace: TrainingWorkspace) -> StepResult {
        precondition(settings.training, "a training step needs settings.trainTask")
        let work = workspace.work
        let result = forward(batch, settings: settings, work: work)
        let c = shape, n = batch.packed.tokenCount, d = c.hiddenSize
        let tapes = work.tapes(c.layers)
        let dx = work.dx.pointer
        blocks.finishBackward(dx, rows: n, work: work)
        for l in stride(from: c.layers - 1, through: 0, by: -1) {
            let tape = tapes[l], dy = work.dy.reserve(n * d), dx1 = work.dx1.reserve(n * d)
            blocks.afterFeedForwardBackward(layer: l, dOut: dx, dy: dy, dx1: dx1, rows: n, tape: tape)
            feedForwardBackward(layer: l, dy: dy, dx1: dx1, batch: batch, tape: tape, settings: settings, work: work)
            if l == 0 { break }
            blocks.beforeFeedForwardBackward(
                layer: l, dOut: dx, dx1: dx1, batch: batch.packed, tape: tape, work: work)
        }
        return result
    }
}
