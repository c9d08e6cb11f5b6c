// The training forward pass: the base layer by layer with saved activations, the MoE-CL FFN, heads and
// discriminators (their losses and the gradients they send back are computed here, as soon as they are known).

import TensorCore
import Transformer

extension ContinualModel {
    /// Runs the batch; leaves the final hidden states [N, d] in `work.x` and returns (task loss, correct, adversarial
    /// loss). In training, head and discriminator gradients are accumulated and the layer tapes filled.
    func forward(_ batch: TrainingBatch, settings: StepSettings, work: StepWorkspace) -> StepResult {
        let c = shape, n = batch.packed.tokenCount, d = c.hiddenSize
        let tapes = work.tapes(settings.training ? c.layers : 1)
        let x = work.x.reserve(n * d)
        blocks.embed(batch.packed, into: x)
        var result = StepResult(taskLoss: 0, adversarialLoss: 0, correct: 0, labelled: 0, tokens: n)
        for l in 0..<c.layers {
            let tape = tapes[settings.training ? l : 0]
            blocks.beforeFeedForward(layer: l, x: x, batch: batch.packed, tape: tape, work: work)
            feedForward(layer: l, batch: batch, tape: tape, settings: settings, work: work)
            if settings.training && mixing == .gated && settings.adversarialWeight > 0 {
                let (loss, confusion) = discriminate(
                    layer: l, batch: batch, tape: tape, settings: settings, work: work)
                result.adversarialLoss += loss / Double(c.layers)
                result.confusionLoss += confusion / Double(c.layers)
            } else {
                tape.hasDiscriminatorGradient = false
            }
            blocks.afterFeedForward(layer: l, x: x, y: work.projected.pointer, rows: n, tape: tape)
        }
        blocks.finish(x, rows: n, work: work)
        if settings.training { headLoss(batch, settings: settings, work: work, into: &result) }
        return result
    }
}
