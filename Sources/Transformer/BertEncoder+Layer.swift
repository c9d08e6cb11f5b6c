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
    /// Steps 4–5 run `feedForward` instead when one is given (its y replaces u · W2ᵀ). The four products run on
    /// `p` (packed float or int8, the encoder's precision), the QKV bias fused into its product.
    func runLayer(
        _ w: BertLayerWeights, projections p: LayerProjections, index: Int, x: UnsafeMutablePointer<Float>,
        batch: PackedBatch, feedForward: (any FeedForward)?, work: inout EncoderWorkspace
    ) {
        let n = batch.tokenCount, d = config.hiddenSize, f = config.intermediateSize
        let eps = config.layerNormEps
        let work = work
        w.qkvBias.withUnsafeBufferPointer {
            p.qkv.apply(x, rows: n, lda: d, bias: $0.baseAddress!, into: work.qkv, ldc: 3 * d)
        }
        attention(qkv: work.qkv, context: work.context, batch: batch, longest: work.longest)
        p.attentionOutput.apply(work.context, rows: n, lda: d, bias: nil, into: work.attention, ldc: d)
        withPointers(w.attentionOutputBias, w.attentionNormGamma, w.attentionNormBeta) { bias, gamma, beta in
            LayerNorm.forwardInPlace(
                x, rows: n, dim: d, residual: work.attention, bias: bias, gamma: gamma, beta: beta, eps: eps)
        }
        if let feedForward {
            var weights = w.feedForward
            weights.projections = (p.intermediate, p.output)
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
        p.intermediate.apply(x, rows: n, lda: d, bias: nil, into: work.intermediate, ldc: f)
        w.intermediateBias.withUnsafeBufferPointer { b1 in
            GELU.forwardInPlace(work.intermediate, rows: n, columns: f, bias: b1.baseAddress!)
        }
        p.output.apply(work.intermediate, rows: n, lda: f, bias: nil, into: work.attention, ldc: d)
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
            let kt = UnsafeMutablePointer<Float>.allocate(
                capacity: max(1, Attention.scratchCount(tokens: longest, headSize: hs)))
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
