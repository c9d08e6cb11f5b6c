// One post-LayerNorm BERT layer: fused QKV projection, per-sequence attention, FFN with exact GELU.

import TensorCore

extension BertEncoder {
    /// x[N, d] ← layer(x). Steps and shapes:
    /// 1. qkv[N, 3d] = x · Wqkvᵀ + bqkv
    /// 2. per sequence s and head (Attention.head, threads over the pairs):
    ///    context[T, h] = softmax(Q·Kᵀ / √h) · V
    /// 3. x ← LayerNorm(x + context · Woᵀ + bo)
    /// 4. u[N, f] = GELU(x · W1ᵀ + b1)
    /// 5. x ← LayerNorm(x + u · W2ᵀ + b2)
    /// Steps 4–5 run `feedForward` instead when one is given (its y replaces u · W2ᵀ). With `int8` the four
    /// products run in int8 (`Int8Matrix`), the QKV bias fused into its product.
    func runLayer(
        _ w: BertLayerWeights, int8: Int8LayerProjections?, index: Int, x: UnsafeMutablePointer<Float>,
        batch: PackedBatch, feedForward: (any FeedForward)?, work: inout EncoderWorkspace
    ) {
        let n = batch.tokenCount, d = config.hiddenSize, f = config.intermediateSize
        let eps = config.layerNormEps
        let work = work
        if let int8 {
            w.qkvBias.withUnsafeBufferPointer {
                int8.qkv.multiply(x, rows: n, lda: d, bias: $0.baseAddress!, into: work.qkv, ldc: 3 * d)
            }
        } else {
            w.qkvWeight.withUnsafeBufferPointer { wqkv in
                BLAS.gemmNT(m: n, n: 3 * d, k: d, a: x, lda: d, b: wqkv.baseAddress!, ldb: d, c: work.qkv, ldc: 3 * d)
            }
            w.qkvBias.withUnsafeBufferPointer { b in addBias(work.qkv, rows: n, columns: 3 * d, bias: b.baseAddress!) }
        }
        attention(qkv: work.qkv, context: work.context, batch: batch, longest: work.longest)
        if let int8 {
            int8.attentionOutput.multiply(work.context, rows: n, lda: d, into: work.attention, ldc: d)
        } else {
            w.attentionOutputWeight.withUnsafeBufferPointer { wo in
                BLAS.gemmNT(
                    m: n, n: d, k: d, a: work.context, lda: d, b: wo.baseAddress!, ldb: d, c: work.attention, ldc: d)
            }
        }
        withPointers(w.attentionOutputBias, w.attentionNormGamma, w.attentionNormBeta) { bias, gamma, beta in
            LayerNorm.forwardInPlace(
                x, rows: n, dim: d, residual: work.attention, bias: bias, gamma: gamma, beta: beta, eps: eps)
        }
        if let feedForward {
            var weights = w.feedForward
            weights.int8 = int8.map { ($0.intermediate, $0.output) }
            feedForward.apply(
                layer: index, weights: weights, input: x, batch: batch, scratch: work.intermediate,
                output: work.attention)
            let addBias = !feedForward.includesOutputBias
            withPointers(w.outputBias, w.outputNormGamma, w.outputNormBeta) { b2, gamma, beta in
                LayerNorm.forwardInPlace(
                    x, rows: n, dim: d, residual: work.attention, bias: addBias ? b2 : nil,
                    gamma: gamma, beta: beta, eps: eps)
            }
            return
        }
        if let int8 {
            int8.intermediate.multiply(x, rows: n, lda: d, into: work.intermediate, ldc: f)
        } else {
            w.intermediateWeight.withUnsafeBufferPointer { w1 in
                BLAS.gemmNT(m: n, n: f, k: d, a: x, lda: d, b: w1.baseAddress!, ldb: d, c: work.intermediate, ldc: f)
            }
        }
        w.intermediateBias.withUnsafeBufferPointer { b1 in
            GELU.forwardInPlace(work.intermediate, rows: n, columns: f, bias: b1.baseAddress!)
        }
        if let int8 {
            int8.output.multiply(work.intermediate, rows: n, lda: f, into: work.attention, ldc: d)
        } else {
            w.outputWeight.withUnsafeBufferPointer { w2 in
                BLAS.gemmNT(
                    m: n, n: d, k: f, a: work.intermediate, lda: f, b: w2.baseAddress!, ldb: f, c: work.attention,
                    ldc: d)
            }
        }
        withPointers(w.outputBias, w.outputNormGamma, w.outputNormBeta) { bias, gamma, beta in
            LayerNorm.forwardInPlace(
                x, rows: n, dim: d, residual: work.attention, bias: bias, gamma: gamma, beta: beta, eps: eps)
        }
    }

    /// Multi-head self-attention within each packed sequence. qkv [N, 3d] → context [N, d].
    private func attention(
        qkv: UnsafeMutablePointer<Float>, context: UnsafeMutablePointer<Float>, batch: PackedBatch,
        longest: Int
    ) {
        let d = config.hiddenSize, heads = config.numAttentionHeads, hs = config.headSize
        let scale = 1 / Float(hs).squareRoot()
        let items = batch.count * heads
        let meanLength = batch.tokenCount / max(1, batch.count)
        Parallel.forChunks(items, cost: meanLength * meanLength * hs * 4) { range in
            let scores = UnsafeMutablePointer<Float>.allocate(capacity: max(1, longest * longest))
            let kt = UnsafeMutablePointer<Float>.allocate(capacity: max(1, longest * hs))
            defer {
                scores.deallocate()
                kt.deallocate()
            }
            for item in range {
                let s = item / heads, h = item % heads
                let start = batch.offsets[s]
                let q = qkv + start * 3 * d + h * hs
                Attention.head(
                    q: q, k: q + d, v: q + 2 * d, stride: 3 * d, tokens: batch.length(s), headSize: hs,
                    scale: scale, context: context + start * d + h * hs, outStride: d, kt: kt,
                    scores: scores)
            }
        }
    }

    private func addBias(_ x: UnsafeMutablePointer<Float>, rows: Int, columns: Int, bias: UnsafePointer<Float>) {
        Parallel.forChunks(rows, cost: columns) { range in
            for r in range {
                let row = x + r * columns
                for j in 0..<columns { row[j] += bias[j] }
            }
        }
    }

    private func withPointers(
        _ a: [Float], _ b: [Float], _ c: [Float],
        _ body: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>) -> Void
    ) {
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeBufferPointer { pc in body(pa.baseAddress!, pb.baseAddress!, pc.baseAddress!) }
            }
        }
    }
}
