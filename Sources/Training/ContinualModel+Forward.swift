// The training forward pass: the encoder layer by layer with saved activations, the MoE-CL FFN, heads and
// discriminators (their losses and the gradients they send back are computed here, as soon as they are known).

import TensorCore
import Transformer

extension ContinualModel {
    /// Runs the batch; leaves the final hidden states [N, d] in `work.x` and returns (task loss, correct, adversarial
    /// loss). In training, head and discriminator gradients are accumulated and the layer tapes filled.
    func forward(_ batch: TrainingBatch, settings: StepSettings, work: StepWorkspace) -> StepResult {
        let c = config, n = batch.packed.tokenCount, d = c.hiddenSize
        let tapes = work.tapes(settings.training ? c.numHiddenLayers : 1)
        let x = work.x.reserve(n * d)
        encoder.embed(batch.packed, into: x)
        var result = StepResult(taskLoss: 0, adversarialLoss: 0, correct: 0, labelled: 0, tokens: n)
        for l in 0..<c.numHiddenLayers {
            let tape = tapes[settings.training ? l : 0]
            attentionBlock(layer: l, x: x, batch: batch, tape: tape, work: work)
            feedForward(layer: l, batch: batch, tape: tape, settings: settings, work: work)
            if settings.training && mixing == .gated && settings.adversarialWeight > 0 {
                result.adversarialLoss +=
                    discriminate(layer: l, batch: batch, tape: tape, settings: settings, work: work)
                    / Double(c.numHiddenLayers)
            } else {
                tape.hasDiscriminatorGradient = false
            }
            // x = LayerNorm(x1 + y + b2), keeping r2 = x1 + y + b2.
            let w = encoder.layers[l]
            let r2 = tape.r2.reserve(n * d), x1 = tape.x1.pointer, y = work.projected.pointer
            w.outputBias.withUnsafeBufferPointer { b2 in
                for i in 0..<n {
                    for j in 0..<d { r2[i * d + j] = x1[i * d + j] + y[i * d + j] + b2[j] }
                }
            }
            x.update(from: r2, count: n * d)
            layerNorm(x, rows: n, gamma: w.outputNormGamma, beta: w.outputNormBeta)
        }
        if settings.training { headLoss(batch, settings: settings, work: work, into: &result) }
        return result
    }

    /// qkv, attention and the first LayerNorm: tape.qkv, tape.r1 = x + attention + bo, tape.x1 = LayerNorm(r1).
    private func attentionBlock(
        layer l: Int, x: UnsafeMutablePointer<Float>, batch: TrainingBatch, tape: LayerTape,
        work: StepWorkspace
    ) {
        let c = config, n = batch.packed.tokenCount, d = c.hiddenSize, w = encoder.layers[l]
        let qkv = tape.qkv.reserve(n * 3 * d), context = work.context.reserve(n * d)
        let projected = work.projected.reserve(n * d)
        w.qkvWeight.withUnsafeBufferPointer { wqkv in
            BLAS.gemmNT(m: n, n: 3 * d, k: d, a: x, lda: d, b: wqkv.baseAddress!, ldb: d, c: qkv, ldc: 3 * d)
        }
        w.qkvBias.withUnsafeBufferPointer { b in
            for i in 0..<n { for j in 0..<(3 * d) { qkv[i * 3 * d + j] += b[j] } }
        }
        attention(qkv: qkv, context: context, batch: batch.packed)
        w.attentionOutputWeight.withUnsafeBufferPointer { wo in
            BLAS.gemmNT(m: n, n: d, k: d, a: context, lda: d, b: wo.baseAddress!, ldb: d, c: projected, ldc: d)
        }
        let r1 = tape.r1.reserve(n * d), x1 = tape.x1.reserve(n * d)
        w.attentionOutputBias.withUnsafeBufferPointer { bo in
            for i in 0..<n { for j in 0..<d { r1[i * d + j] = x[i * d + j] + projected[i * d + j] + bo[j] } }
        }
        x1.update(from: r1, count: n * d)
        layerNorm(x1, rows: n, gamma: w.attentionNormGamma, beta: w.attentionNormBeta)
    }

    /// context [N, d] = per sequence and head softmax(Q·Kᵀ/√h)·V.
    private func attention(qkv: UnsafeMutablePointer<Float>, context: UnsafeMutablePointer<Float>, batch: PackedBatch) {
        let c = config, d = c.hiddenSize, heads = c.numAttentionHeads, hs = c.headSize
        let scale = 1 / Float(hs).squareRoot()
        let longest = (0..<batch.count).map(batch.length).max() ?? 1
        Parallel.forChunks(batch.count * heads, cost: longest * longest * hs * 4) { range in
            let scores = UnsafeMutablePointer<Float>.allocate(capacity: longest * longest)
            let kt = UnsafeMutablePointer<Float>.allocate(capacity: longest * hs)
            defer {
                scores.deallocate()
                kt.deallocate()
            }
            for item in range {
                let s = item / heads, h = item % heads, start = batch.offsets[s]
                let q = qkv + start * 3 * d + h * hs
                Attention.head(
                    q: q, k: q + d, v: q + 2 * d, stride: 3 * d, tokens: batch.length(s), headSize: hs,
                    scale: scale, context: context + start * d + h * hs, outStride: d, kt: kt, scores: scores)
            }
        }
    }

    func layerNorm(_ x: UnsafeMutablePointer<Float>, rows: Int, gamma: [Float], beta: [Float]) {
        gamma.withUnsafeBufferPointer { g in
            beta.withUnsafeBufferPointer { b in
                LayerNorm.forwardInPlace(
                    x, rows: rows, dim: config.hiddenSize, residual: nil, bias: nil,
                    gamma: g.baseAddress!, beta: b.baseAddress!, eps: config.layerNormEps)
            }
        }
    }
}
