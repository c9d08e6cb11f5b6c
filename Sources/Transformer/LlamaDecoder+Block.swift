// One pre-norm decoder block: x ← x + attention(RMSNorm(x)); x ← x + SwiGLU-FFN(RMSNorm(x)).

import TensorCore

extension LlamaDecoder {
    /// x[N, d] ← block(x). Steps:
    /// 1. a = RMSNorm(x) · w_attn; q = a·Wqᵀ [N, d], k = a·Wkᵀ, v = a·Wvᵀ [N, Hk·h]; RoPE on q and k
    /// 2. per sequence and query head η (threads over the pairs), with key/value head η / (H / Hk):
    ///    context[T, h] = causal softmax(q·kᵀ / √h) · v
    /// 3. x += context · Woᵀ
    /// 4. b = RMSNorm(x) · w_ffn; x += (silu(b·Wgᵀ) ⊙ b·Wuᵀ) · Wdᵀ, or x += feedForward(b) when one is given
    /// Every product runs on `p` when given (int8), else on OpenBLAS with the float weights.
    func runBlock(
        _ w: LlamaLayerWeights, projections p: DecoderProjections? = nil, index: Int, x: UnsafeMutablePointer<Float>,
        batch: PackedBatch, feedForward: (any FeedForward)? = nil, work: DecoderWorkspace
    ) {
        let n = batch.tokenCount, d = config.hiddenSize, kv = config.keyValueSize, f = config.intermediateSize
        w.attentionNorm.withUnsafeBufferPointer {
            RMSNorm.forward(x, rows: n, dim: d, weight: $0.baseAddress!, eps: config.rmsEps, into: work.normed)
        }
        project(work.normed, w.query, p?.query, rows: n, out: d, in: d, into: work.query)
        project(work.normed, w.key, p?.key, rows: n, out: kv, in: d, into: work.key)
        project(work.normed, w.value, p?.value, rows: n, out: kv, in: d, into: work.value)
        batch.positions.withUnsafeBufferPointer { p in
            rope.apply(work.query, rows: n, stride: d, heads: config.heads, positions: p.baseAddress!)
            rope.apply(work.key, rows: n, stride: kv, heads: config.keyValueHeads, positions: p.baseAddress!)
        }
        attention(batch: batch, work: work)
        project(work.context, w.output, p?.output, rows: n, out: d, in: d, into: work.projected)
        add(work.projected, into: x, count: n * d)
        w.feedForwardNorm.withUnsafeBufferPointer {
            RMSNorm.forward(x, rows: n, dim: d, weight: $0.baseAddress!, eps: config.rmsEps, into: work.normed)
        }
        if let feedForward {
            var weights = w.feedForward
            if let p {
                weights.projections = (p.gate, p.down)
                weights.upProjection = p.up
            }
            feedForward.apply(
                layer: index, weights: weights, input: work.normed, batch: batch, scratch: work.gate,
                output: work.projected)
            add(work.projected, into: x, count: n * d)
            return
        }
        project(work.normed, w.gate, p?.gate, rows: n, out: f, in: d, into: work.gate)
        project(work.normed, w.up, p?.up, rows: n, out: f, in: d, into: work.up)
        SwiGLU.forwardInPlace(gate: work.gate, up: work.up, count: n * f)
        project(work.gate, w.down, p?.down, rows: n, out: d, in: f, into: work.projected)
        add(work.projected, into: x, count: n * d)
    }

    /// y[rows, out] = a[rows, in] · Wᵀ, W stored [out, in]; on `prepared` when given.
    func project(
        _ a: UnsafePointer<Float>, _ weight: [Float], _ prepared: (any Projection)? = nil, rows: Int, out: Int,
        in k: Int, into y: UnsafeMutablePointer<Float>
    ) {
        if let prepared {
            prepared.apply(a, rows: rows, lda: k, bias: nil, into: y, ldc: out)
            return
        }
        weight.withUnsafeBufferPointer { w in
            BLAS.gemmNT(m: rows, n: out, k: k, a: a, lda: k, b: w.baseAddress!, ldb: k, c: y, ldc: out)
        }
    }

    func add(_ y: UnsafePointer<Float>, into x: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { x[i] += y[i] }
    }

    /// Causal grouped-query attention within each packed sequence: query, key, value → context.
    func attention(batch: PackedBatch, work: DecoderWorkspace) {
        let d = config.hiddenSize, kv = config.keyValueSize, hs = config.headSize, heads = config.heads
        let group = heads / config.keyValueHeads
        let scale = 1 / Float(hs).squareRoot()
        let longest = (0..<batch.count).map(batch.length).max() ?? 0
        let meanLength = batch.tokenCount / max(1, batch.count)
        Parallel.forChunks(batch.count * heads, cost: meanLength * meanLength * hs) { range in
            let scores = UnsafeMutablePointer<Float>.allocate(capacity: max(1, longest))
            defer { scores.deallocate() }
            for item in range {
                let s = item / heads, h = item % heads, start = batch.offsets[s]
                let kvHead = h / group
                CausalAttention.head(
                    q: work.query + start * d + h * hs, queryStride: d, k: work.key + start * kv + kvHead * hs,
                    v: work.value + start * kv + kvHead * hs, keyStride: kv, tokens: batch.length(s), headSize: hs,
                    scale: scale, context: work.context + start * d + h * hs, outStride: d, scores: scores)
            }
        }
    }
}
