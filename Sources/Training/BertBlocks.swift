// Training steps through the frozen parts of a BERT layer: post-norm self-attention before the FFN, the second
// LayerNorm after it.

import TensorCore
import Transformer

/// Layer l: r1 = x + Attention(x) + bo, x1 = LN1(r1); FFN y; r2 = x1 + y + b2, out = LN2(r2).
struct BertBlocks: FrozenBlocks {
    let encoder: BertEncoder
    var config: BertConfig { encoder.config }

    func embed(_ batch: PackedBatch, into x: UnsafeMutablePointer<Float>) { encoder.embed(batch, into: x) }

    /// qkv, attention and the first LayerNorm: tape.qkv, tape.r1 = x + attention + bo, tape.x1 = LayerNorm(r1).
    func beforeFeedForward(
        layer l: Int, x: UnsafeMutablePointer<Float>, batch: PackedBatch, tape: LayerTape, work: StepWorkspace
    ) {
        let c = config, n = batch.tokenCount, d = c.hiddenSize, w = encoder.layers[l]
        let qkv = tape.qkv.reserve(n * 3 * d), context = work.context.reserve(n * d)
        let projected = work.projected.reserve(n * d)
        w.qkvWeight.withUnsafeBufferPointer { wqkv in
            BLAS.gemmNT(m: n, n: 3 * d, k: d, a: x, lda: d, b: wqkv.baseAddress!, ldb: d, c: qkv, ldc: 3 * d)
        }
        w.qkvBias.withUnsafeBufferPointer { b in
            for i in 0..<n { for j in 0..<(3 * d) { qkv[i * 3 * d + j] += b[j] } }
        }
        attention(qkv: qkv, context: context, batch: batch)
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

    /// x = LayerNorm(x1 + y + b2), keeping r2 = x1 + y + b2.
    func afterFeedForward(
        layer l: Int, x: UnsafeMutablePointer<Float>, y: UnsafePointer<Float>, rows n: Int, tape: LayerTape
    ) {
        let d = config.hiddenSize, w = encoder.layers[l]
        let r2 = tape.r2.reserve(n * d), x1 = tape.x1.pointer
        w.outputBias.withUnsafeBufferPointer { b2 in
            for i in 0..<n {
                for j in 0..<d { r2[i * d + j] = x1[i * d + j] + y[i * d + j] + b2[j] }
            }
        }
        x.update(from: r2, count: n * d)
        layerNorm(x, rows: n, gamma: w.outputNormGamma, beta: w.outputNormBeta)
    }

    func finish(_ x: UnsafeMutablePointer<Float>, rows: Int, work: StepWorkspace) {}

    func finishBackward(_ dx: UnsafeMutablePointer<Float>, rows: Int, work: StepWorkspace) {}

    /// Second LayerNorm: dy = ∂/∂(x1 + y); the residual sends it to x1 as well.
    func afterFeedForwardBackward(
        layer l: Int, dOut: UnsafePointer<Float>, dy: UnsafeMutablePointer<Float>,
        dx1: UnsafeMutablePointer<Float>, rows n: Int, tape: LayerTape
    ) {
        layerNormBackward(
            input: tape.r2.pointer, gamma: encoder.layers[l].outputNormGamma, gradient: dOut, into: dy, rows: n)
        dx1.update(from: dy, count: n * config.hiddenSize)
    }

    /// First LayerNorm (dr1 = ∂/∂(x_in + attention); the residual sends it to x_in), then the attention.
    func beforeFeedForwardBackward(
        layer l: Int, dOut: UnsafeMutablePointer<Float>, dx1: UnsafePointer<Float>, batch: PackedBatch,
        tape: LayerTape, work: StepWorkspace
    ) {
        let w = encoder.layers[l]
        layerNormBackward(
            input: tape.r1.pointer, gamma: w.attentionNormGamma, gradient: dx1, into: dOut, rows: batch.tokenCount)
        attentionBackward(layer: l, dr1: dOut, batch: batch, tape: tape, work: work)
    }

    /// context [N, d] = per sequence and head softmax(Q·Kᵀ/√h)·V.
    private func attention(qkv: UnsafeMutablePointer<Float>, context: UnsafeMutablePointer<Float>, batch: PackedBatch) {
        let c = config, d = c.hiddenSize, heads = c.numAttentionHeads, hs = c.headSize
        let scale = 1 / Float(hs).squareRoot()
        let longest = (0..<batch.count).map(batch.length).max() ?? 1
        Parallel.forChunks(batch.count * heads, cost: longest * longest * hs * 4) { range in
            let scores = UnsafeMutablePointer<Float>.allocate(capacity: longest * longest)
            let kt = UnsafeMutablePointer<Float>.allocate(
                capacity: Attention.scratchCount(tokens: longest, headSize: hs))
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

    /// dx ← dx + (attention block's input gradient): dctx = dr1·Wo, per head (dQ, dK, dV), dx += dqkv·Wqkv.
    private func attentionBackward(
        layer l: Int, dr1: UnsafeMutablePointer<Float>, batch: PackedBatch, tape: LayerTape, work: StepWorkspace
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

    private func layerNorm(_ x: UnsafeMutablePointer<Float>, rows: Int, gamma: [Float], beta: [Float]) {
        gamma.withUnsafeBufferPointer { g in
            beta.withUnsafeBufferPointer { b in
                LayerNorm.forwardInPlace(
                    x, rows: rows, dim: config.hiddenSize, residual: nil, bias: nil,
                    gamma: g.baseAddress!, beta: b.baseAddress!, eps: config.layerNormEps)
            }
        }
    }

    private func layerNormBackward(
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
