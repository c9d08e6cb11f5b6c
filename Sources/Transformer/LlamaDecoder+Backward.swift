// The decoder as a differentiable function of its input embeddings: a forward that keeps a tape, and the
// backward through every frozen block (the gradients LoRA experts inside the blocks are trained with flow
// through these same steps).

import TensorCore

extension LlamaDecoder {
    /// Final hidden states [N, d] from input rows x0 [N, d] (the embeddings of the tokens), with the tape.
    public func forward(embeddings x0: [Float], batch: PackedBatch) throws -> (hidden: [Float], tape: LlamaTape) {
        let n = batch.tokenCount, d = config.hiddenSize, f = config.intermediateSize
        precondition(x0.count == n * d, "one input row per token")
        for s in 0..<batch.count where batch.length(s) == 0 { throw TransformerError.emptySequence(index: s) }
        var x = x0
        var tape = LlamaTape()
        for (l, layer) in layers.enumerated() {
            let attention = attentionForward(layer: l, input: x, batch: batch)
            let normed = norm(attention.middle, layer.feedForwardNorm, rows: n)
            var gate = product(normed, layer.gate, rows: n, out: f, in: d)
            let up = product(normed, layer.up, rows: n, out: f, in: d)
            tape.blocks.append(LlamaTape.Block(attention: attention, feedForwardNormed: normed, gate: gate, up: up))
            gate.withUnsafeMutableBufferPointer { g in
                up.withUnsafeBufferPointer {
                    SwiGLU.forwardInPlace(gate: g.baseAddress!, up: $0.baseAddress!, count: n * f)
                }
            }
            x = attention.middle
            let down = product(gate, layer.down, rows: n, out: d, in: f)
            for i in x.indices { x[i] += down[i] }
        }
        tape.finalInput = x
        return (norm(x, finalNorm, rows: n), tape)
    }

    /// d(loss)/d(x0) [N, d] from d(loss)/d(final hidden states) [N, d], through the tape's blocks in reverse.
    public func backward(_ gradient: [Float], tape: LlamaTape, batch: PackedBatch) -> [Float] {
        let n = batch.tokenCount, d = config.hiddenSize, f = config.intermediateSize
        var dx = normBackward(tape.finalInput, finalNorm, gradient, rows: n)
        for (l, (layer, block)) in zip(layers, tape.blocks).enumerated().reversed() {
            // FFN: x_out = middle + down(silu(gate) ⊙ up).
            let dAct = product(dx, layer.down, rows: n, out: d, in: f, transposed: true)
            var dGate = [Float](repeating: 0, count: n * f), dUp = dGate
            SwiGLU.backward(
                gate: block.gate, up: block.up, gradient: dAct, gateGradient: &dGate, upGradient: &dUp, count: n * f)
            var dNormed = product(dGate, layer.gate, rows: n, out: f, in: d, transposed: true)
            let fromUp = product(dUp, layer.up, rows: n, out: f, in: d, transposed: true)
            for i in dNormed.indices { dNormed[i] += fromUp[i] }
            let dMiddle = normBackward(block.attention.middle, layer.feedForwardNorm, dNormed, rows: n)
            for i in dx.indices { dx[i] += dMiddle[i] }
            dx = attentionBackward(layer: l, gradient: dx, saved: block.attention, batch: batch)
        }
        return dx
    }

    /// RMSNorm(x) · weight for `rows` rows.
    public func norm(_ x: [Float], _ weight: [Float], rows: Int) -> [Float] {
        var y = [Float](repeating: 0, count: x.count)
        RMSNorm.forward(x, rows: rows, dim: config.hiddenSize, weight: weight, eps: config.rmsEps, into: &y)
        return y
    }

    /// The input gradient of `norm(x, weight)` for output gradient dy.
    public func normBackward(_ x: [Float], _ weight: [Float], _ dy: [Float], rows: Int) -> [Float] {
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
