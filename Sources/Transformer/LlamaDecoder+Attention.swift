// The attention sub-layer of one decoder block as a differentiable step: forward with what its backward needs,
// and the backward to its input (the frozen weights get no gradient). Training with experts in the FFNs uses
// these two between its own FFN steps.

import TensorCore

extension LlamaDecoder {
    /// middle = x + attention(RMSNorm(x)) for block `l`, with the saved tensors.
    public func attentionForward(layer l: Int, input x: [Float], batch: PackedBatch) -> LlamaTape.Attention {
        let n = batch.tokenCount, d = config.hiddenSize, kv = config.keyValueSize, w = layers[l]
        let work = DecoderWorkspace(tokens: n, config: config)
        defer { work.deallocate() }
        func copy(_ p: UnsafeMutablePointer<Float>, _ count: Int) -> [Float] {
            Array(UnsafeBufferPointer(start: p, count: count))
        }
        x.withUnsafeBufferPointer { xp in
            w.attentionNorm.withUnsafeBufferPointer {
                RMSNorm.forward(
                    xp.baseAddress!, rows: n, dim: d, weight: $0.baseAddress!, eps: config.rmsEps, into: work.normed)
            }
        }
        project(work.normed, w.query, rows: n, out: d, in: d, into: work.query)
        project(work.normed, w.key, rows: n, out: kv, in: d, into: work.key)
        project(work.normed, w.value, rows: n, out: kv, in: d, into: work.value)
        batch.positions.withUnsafeBufferPointer { p in
            rope.apply(work.query, rows: n, stride: d, heads: config.heads, positions: p.baseAddress!)
            rope.apply(work.key, rows: n, stride: kv, heads: config.keyValueHeads, positions: p.baseAddress!)
        }
        attention(batch: batch, work: work)
        project(work.context, w.output, rows: n, out: d, in: d, into: work.projected)
        var middle = x
        for i in middle.indices { middle[i] += work.projected[i] }
        return LlamaTape.Attention(
            input: x, query: copy(work.query, n * d), key: copy(work.key, n * kv), value: copy(work.value, n * kv),
            context: copy(work.context, n * d), middle: middle)
    }

    /// d(loss)/d(x) of block `l`'s attention sub-layer from d(loss)/d(middle): the residual's dMiddle plus the
    /// gradient through Wo, the causal attention, RoPE, the three projections and the norm.
    public func attentionBackward(
        layer l: Int, gradient dMiddle: [Float], saved: LlamaTape.Attention, batch: PackedBatch
    ) -> [Float] {
        let n = batch.tokenCount, d = config.hiddenSize, kv = config.keyValueSize, w = layers[l]
        let hs = config.headSize, heads = config.heads, group = heads / config.keyValueHeads
        let dContext = product(dMiddle, w.output, rows: n, out: d, in: d, transposed: true)
        var dq = [Float](repeating: 0, count: n * d), dk = [Float](repeating: 0, count: n * kv), dv = dk
        let longest = (0..<batch.count).map(batch.length).max() ?? 1
        saved.query.withUnsafeBufferPointer { qp in
            saved.key.withUnsafeBufferPointer { kp in
                saved.value.withUnsafeBufferPointer { vp in
                    dContext.withUnsafeBufferPointer { cp in
                        dq.withUnsafeMutableBufferPointer { dqp in
                            dk.withUnsafeMutableBufferPointer { dkp in
                                dv.withUnsafeMutableBufferPointer { dvp in
                                    // Query heads of one group write the same key/value rows: one sequence's
                                    // group is one work item.
                                    let items = batch.count * config.keyValueHeads
                                    let (q, k, v, c) = (
                                        qp.baseAddress!, kp.baseAddress!, vp.baseAddress!, cp.baseAddress!
                                    )
                                    let (gq, gk, gv) = (dqp.baseAddress!, dkp.baseAddress!, dvp.baseAddress!)
                                    Parallel.forChunks(items, cost: longest * longest * hs * 4 * group) { range in
                                        var scores = [Float](repeating: 0, count: max(1, longest)), dscores = scores
                                        for item in range {
                                            let s = item / config.keyValueHeads, g = item % config.keyValueHeads
                                            let start = batch.offsets[s]
                                            for h in (g * group)..<((g + 1) * group) {
                                                CausalAttention.backward(
                                                    q: q + start * d + h * hs, queryStride: d,
                                                    k: k + start * kv + g * hs, v: v + start * kv + g * hs,
                                                    keyStride: kv, tokens: batch.length(s), headSize: hs,
                                                    scale: 1 / Float(hs).squareRoot(),
                                                    contextGradient: c + start * d + h * hs, outStride: d,
                                                    dq: gq + start * d + h * hs, dk: gk + start * kv + g * hs,
                                                    dv: gv + start * kv + g * hs, scores: &scores,
                                                    dscores: &dscores)
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        batch.positions.withUnsafeBufferPointer { p in
            rope.backward(&dq, rows: n, stride: d, heads: heads, positions: p.baseAddress!)
            rope.backward(&dk, rows: n, stride: kv, heads: config.keyValueHeads, positions: p.baseAddress!)
        }
        var dNormed = product(dq, w.query, rows: n, out: d, in: d, transposed: true)
        let fromK = product(dk, w.key, rows: n, out: kv, in: d, transposed: true)
        let fromV = product(dv, w.value, rows: n, out: kv, in: d, transposed: true)
        for i in dNormed.indices { dNormed[i] += fromK[i] + fromV[i] }
        var dx = normBackward(saved.input, w.attentionNorm, dNormed, rows: n)
        for i in dx.indices { dx[i] += dMiddle[i] }
        return dx
    }
}
