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
        let c = config, n = batch.packed.tokenCount, d = c.hiddenSize
        let tapes = work.tapes(c.numHiddenLayers)
        var dx = work.dx.pointer
        var spare = work.dy.reserve(n * d)
        for l in stride(from: c.numHiddenLayers - 1, through: 0, by: -1) {
            let w = encoder.layers[l], tape = tapes[l]
            // Second LayerNorm: dy = ∂/∂(x1 + y); the residual sends it to x1 as well.
            layerNormBackward(input: tape.r2.pointer, gamma: w.outputNormGamma, gradient: dx, into: spare, rows: n)
            swap(&dx, &spare)
            let dx1 = work.dx1.reserve(n * d)
            dx1.update(from: dx, count: n * d)
            feedForwardBackward(layer: l, dy: dx, dx1: dx1, batch: batch, tape: tape, settings: settings, work: work)
            if l == 0 { break }
            // First LayerNorm: dr1 = ∂/∂(x_in + attention); the residual sends it to x_in.
            layerNormBackward(input: tape.r1.pointer, gamma: w.attentionNormGamma, gradient: dx1, into: dx, rows: n)
            attentionBackward(layer: l, dr1: dx, batch: batch.packed, tape: tape, work: work)
        }
        return result
    }

    /// dx ← dx + (attention block's input gradient): dctx = dr1·Wo, per head (dQ, dK, dV), dx += dqkv·Wqkv.
    private func attentionBackward(
        layer l: Int, dr1: UnsafeMutablePointer<Float>, batch: PackedBatch, tape: LayerTape,
        work: StepWorkspace
    ) {
        let c = config, n = batch.tokenCount, d = c.hiddenSize, heads = c.numAttentionHeads, hs = c.headSize
        let w = encoder.layers[l]
        let dctx = work.tempD.reserve(n * d), dqkv = work.dqkv.zeroed(n * 3 * d), qkv = tape.qkv.pointer
        w.attentionOutputWeight.withUnsafeBufferPointer { wo in
            BLAS.gemm(transposeB: false, m: n, n: d, k: d, a: dr1, lda: d, b: wo.baseAddress!, ldb: d, c: dctx, ldc: d)
        }
        let scale = 1 / Float(hs).squareRoot()
        let longest = (0..<batch.count).map(batch.length).max() ?? 1
        Parallel.forChunks(batch.count * heads, cost: longest * longest * hs * 8) { range in
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: 2 * longest * longest)
            defer { scratch.deallocate() }
            for item in range {
                let s = item / heads, h = item % heads, start = batch.offsets[s]
                let q = qkv + start * 3 * d + h * hs, dq = dqkv + start * 3 * d + h * hs
                Attention.backward(
                    q: q, k: q + d, v: q + 2 * d, stride: 3 * d, tokens: batch.length(s), headSize: hs,
                    scale: scale, dContext: dctx + start * d + h * hs, dStride: d, dq: dq, dk: dq + d,
                    dv: dq + 2 * d, scratch: scratch)
            }
        }
        w.qkvWeight.withUnsafeBufferPointer { wqkv in
            BLAS.gemm(
                transposeB: false, m: n, n: d, k: 3 * d, a: dqkv, lda: 3 * d, b: wqkv.baseAddress!, ldb: d,
                beta: 1, c: dr1, ldc: d)
        }
    }

    func layerNormBackward(
        input: UnsafePointer<Float>, gamma: [Float], gradient: UnsafePointer<Float>,
        into out: UnsafeMutablePointer<Float>, rows: Int
    ) {
        gamma.withUnsafeBufferPointer { g in
            LayerNorm.backward(
                input: input, gamma: g.baseAddress!, eps: config.layerNormEps, gradient: gradient,
                into: out, rows: rows, dim: config.hiddenSize)
        }
    }
}
