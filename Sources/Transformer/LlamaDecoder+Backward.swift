// The decoder as a differentiable function of its input embeddings: a forward that keeps a tape, and the
// backward through every frozen block (the gradients LoRA experts inside the blocks are trained with flow
// through these same steps).

import TensorCore

extension LlamaDecoder {
    /// Final hidden states [N, d] from input rows x0 [N, d] (the embeddings of the tokens), with the tape.
    public func forward(embeddings x0: [Float], batch: PackedBatch) throws -> (hidden: [Float], tape: LlamaTape) {
        let n = batch.tokenCount, d = config.hiddenSize, kv = config.keyValueSize, f = config.intermediateSize
        precondition(x0.count == n * d, "one input row per token")
        for s in 0..<batch.count where batch.length(s) == 0 { throw TransformerError.emptySequence(index: s) }
        var x = x0
        var tape = LlamaTape()
        let work = DecoderWorkspace(tokens: n, config: config)
        defer { work.deallocate() }
        func copy(_ p: UnsafeMutablePointer<Float>, _ count: Int) -> [Float] {
            Array(UnsafeBufferPointer(start: p, count: count))
        }
        for layer in layers {
            let input = x
            x.withUnsafeMutableBufferPointer { runBlock(layer, x: $0.baseAddress!, batch: batch, work: work) }
            // The block left its last activations in the workspace; what the FFN overwrote is recomputed.
            var block = LlamaTape.Block(
                input: input, attentionNormed: [], query: copy(work.query, n * d), key: copy(work.key, n * kv),
                value: copy(work.value, n * kv), context: copy(work.context, n * d), middle: [],
                feedForwardNormed: copy(work.normed, n * d), gate: [], up: copy(work.up, n * f))
            block.attentionNormed = norm(input, layer.attentionNorm, rows: n)
            var middle = input
            let projected = product(block.context, layer.output, rows: n, out: d, in: d)
            for i in middle.indices { middle[i] += projected[i] }
            block.middle = middle
            block.gate = product(block.feedForwardNormed, layer.gate, rows: n, out: f, in: d)
            tape.blocks.append(block)
        }
        tape.finalInput = x
        return (norm(x, finalNorm, rows: n), tape)
    }

    /// d(loss)/d(x0) [N, d] from d(loss)/d(final hidden states) [N, d], through the tape's blocks in reverse.
    public func backward(_ gradient: [Float], tape: LlamaTape, batch: PackedBatch) -> [Float] {
        let n = batch.tokenCount, d = config.hiddenSize, kv = config.keyValueSize, f = config.intermediateSize
        let hs = config.headSize, heads = config.heads, group = heads / config.keyValueHeads
        var dx = normBackward(tape.finalInput, finalNorm, gradient, rows: n)
        for (layer, block) in zip(layers, tape.blocks).reversed() {
            // FFN: x_out = middle + down(silu(gate) ⊙ up).
            let dAct = product(dx, layer.down, rows: n, out: d, in: f, transposed: true)
            var dGate = [Float](repeating: 0, count: n * f), dUp = dGate
            SwiGLU.backward(
                gate: block.gate, up: block.up, gradient: dAct, gateGradient: &dGate, upGradient: &dUp, count: n * f)
            var dNormed = product(dGate, layer.gate, rows: n, out: f, in: d, transposed: true)
            let fromUp = product(dUp, layer.up, rows: n, out: f, in: d, transposed: true)
            for i in dNormed.indices { dNormed[i] += fromUp[i] }
            let dMiddle = normBackward(block.middle, layer.feedForwardNorm, dNormed, rows: n)
            for i in dx.indices { dx[i] += dMiddle[i] }
            // Attention: middle = input + output(context).
            let dContext = product(dx, layer.output, rows: n, out: d, in: d, transposed: true)
            var dq = [Float](repeating: 0, count: n * d), dk = [Float](repeating: 0, count: n * kv), dv = dk
            var scores = [Float](repeating: 0, count: max(1, n)), dscores = scores
            for s in 0..<batch.count {
                let start = batch.offsets[s]
                for h in 0..<heads {
                    let g = h / group
                    block.query.withUnsafeBufferPointer { qp in
                        block.key.withUnsafeBufferPointer { kp in
                            block.value.withUnsafeBufferPointer { vp in
                                dContext.withUnsafeBufferPointer { cp in
                                    dq.withUnsafeMutableBufferPointer { dqp in
                                        dk.withUnsafeMutableBufferPointer { dkp in
                                            dv.withUnsafeMutableBufferPointer { dvp in
                                                CausalAttention.backward(
                                                    q: qp.baseAddress! + start * d + h * hs, queryStride: d,
                                                    k: kp.baseAddress! + start * kv + g * hs,
                                                    v: vp.baseAddress! + start * kv + g * hs, keyStride: kv,
                                                    tokens: batch.length(s), headSize: hs,
                                                    scale: 1 / Float(hs).squareRoot(),
                                                    contextGradient: cp.baseAddress! + start * d + h * hs, outStride: d,
                                                    dq: dqp.baseAddress! + start * d + h * hs,
                                                    dk: dkp.baseAddress! + start * kv + g * hs,
                                                    dv: dvp.baseAddress! + start * kv + g * hs, scores: &scores,
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
            batch.positions.withUnsafeBufferPointer { p in
                rope.backward(&dq, rows: n, stride: d, heads: heads, positions: p.baseAddress!)
                rope.backward(&dk, rows: n, stride: kv, heads: config.keyValueHeads, positions: p.baseAddress!)
            }
            var dA = product(dq, layer.query, rows: n, out: d, in: d, transposed: true)
            let fromK = product(dk, layer.key, rows: n, out: kv, in: d, transposed: true)
            let fromV = product(dv, layer.value, rows: n, out: kv, in: d, transposed: true)
            for i in dA.indices { dA[i] += fromK[i] + fromV[i] }
            let dInput = normBackward(block.input, layer.attentionNorm, dA, rows: n)
            for i in dx.indices { dx[i] += dInput[i] }
        }
        return dx
    }

    /// RMSNorm(x) · weight for `rows` rows.
    func norm(_ x: [Float], _ weight: [Float], rows: Int) -> [Float] {
        var y = [Float](repeating: 0, count: x.count)
        RMSNorm.forward(x, rows: rows, dim: config.hiddenSize, weight: weight, eps: config.rmsEps, into: &y)
        return y
    }

    func normBackward(_ x: [Float], _ weight: [Float], _ dy: [Float], rows: Int) -> [Float] {
        var dx = [Float](repeating: 0, count: x.count)
        RMSNorm.backward(
            input: x, weight: weight, eps: config.rmsEps, gradient: dy, into: &dx, rows: rows, dim: config.hiddenSize)
        return dx
    }

    /// a[rows, in] · Wᵀ (W [out, in]) or, `transposed`, a[rows, out] · W (the input gradient of that product:
    /// here `out` and `in` name W's sizes, so the result is [rows, in]).
    func product(_ a: [Float], _ w: [Float], rows: Int, out: Int, in k: Int, transposed: Bool = false) -> [Float] {
        var y = [Float](repeating: 0, count: rows * (transposed ? k : out))
        a.withUnsafeBufferPointer { ap in
            w.withUnsafeBufferPointer { wp in
                y.withUnsafeMutableBufferPointer { yp in
                    if transposed {
                        BLAS.gemm(
                            transposeB: false, m: rows, n: k, k: out, a: ap.baseAddress!, lda: out, b: wp.baseAddress!,
                            ldb: k, c: yp.baseAddress!, ldc: k)
                    } else {
                        BLAS.gemmNT(
                            m: rows, n: out, k: k, a: ap.baseAddress!, lda: k, b: wp.baseAddress!, ldb: k,
                            c: yp.baseAddress!, ldc: out)
                    }
                }
            }
        }
        return y
    }
}
