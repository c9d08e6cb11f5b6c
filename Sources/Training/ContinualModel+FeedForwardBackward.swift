// Backward of the MoE-CL FFN of one layer: LoRA A/B of every trained expert, the gate, and the input gradient.

import TensorCore

extension ContinualModel {
    /// Given dy = ∂L/∂y [N, d], accumulates the trained experts' and the gate's gradients and adds ∂L/∂x1
    /// to dx1.
    /// Per segment and slot k (q = s·B2ᵀ·dy, g_k the gate, w_k = A2·drop(h_k), z_k = A1·drop(x1)):
    /// dw = g_k·q (+ the discriminator's reversed term for the shared slot); dB2ᵀ += (s·g_k·w_k)ᵀ·dy;
    /// dA2 += dwᵀ·drop(h_k); dh_k = g_k·(dy·W2) + drop′(dw·A2) (+ discriminator term);
    /// dg_k = ⟨dy·W2, h_k⟩ + ⟨q, w_k⟩;
    /// du_k = dh_k ⊙ GELU′(u_k), or on a gated unit du_k = dh_k ⊙ v_k ⊙ silu′(u_k) and dv_k = dh_k ⊙ silu(u_k);
    /// then for each up-side adapter (A1, B1 with du_k; A3, B3 with dv_k and z3_k):
    /// dz = s·du_k·B; dBᵀ += s·z_kᵀ·du_k; dA += dzᵀ·drop(x1); dx1 += drop′(dz·A).
    /// Then the gate softmax (dG += dlᵀ·x1, dx1 += dl·G) and dx1 += (Σ_k du_k)·W1 (+ (Σ_k dv_k)·W3).
    func feedForwardBackward(
        layer l: Int, dy: UnsafeMutablePointer<Float>, dx1: UnsafeMutablePointer<Float>,
        batch: TrainingBatch, tape: LayerTape, settings: StepSettings, work: StepWorkspace
    ) {
        let n = batch.packed.tokenCount, d = shape.hiddenSize, f = shape.intermediateSize, r = rank
        let w = backbone.feedForwardWeights(layer: l), x1 = tape.x1.pointer, gated = mixing == .gated
        let swiGLU = w.w3 != nil
        let dMixed = work.dMixed.reserve(n * f), duTotal = work.du.zeroed(n * f), dh = work.dh.reserve(n * f)
        let dv = work.dv.reserve(n * f), dvTotal = swiGLU ? work.dvTotal.zeroed(n * f) : dv
        let q = work.q.reserve(n * r), dw = work.dw.reserve(n * r)
        let lowRank = work.lowRank.reserve(n * r), dropped = work.dropped.reserve(n * f)
        let temp = work.temp.reserve(n * f)
        _ = work.droppedD.reserve(n * d)
        _ = work.tempD.reserve(n * d)
        _ = work.dz.reserve(n * r)
        let dGate = work.dGate.zeroed(n * 2), g = tape.gate.pointer
        w.w2.withUnsafeBufferPointer { w2 in
            BLAS.gemm(transposeB: false, m: n, n: f, k: d, a: dy, lda: d, b: w2.baseAddress!, ldb: f, c: dMixed, ldc: f)
        }
        for seg in batch.segments {
            let r0 = seg.rows.lowerBound, m = seg.rows.count
            for (k, v) in slots(task: seg.task, layer: l, settings: settings).enumerated() {
                let hk = tape.h[k].pointer, wk = tape.w[k].pointer, uk = tape.u[k].pointer
                let withDiscriminator = gated && k == 0 && tape.hasDiscriminatorGradient
                BLAS.gemmNT(
                    m: m, n: r, k: d, alpha: v.scale, a: dy + r0 * d, lda: d, b: v.down.bt, ldb: d, c: q + r0 * r,
                    ldc: r)
                Parallel.forChunks(m, cost: f * 3) { chunk in
                    for i in (r0 + chunk.lowerBound)..<(r0 + chunk.upperBound) {
                        let gk = gated ? g[2 * i + k] : 1
                        for j in 0..<r { dw[i * r + j] = gk * q[i * r + j] }
                        // dh_k starts as g_k·dMixed (the dropout and discriminator terms are added below).
                        for j in 0..<f { dh[i * f + j] = gk * dMixed[i * f + j] }
                        if gated {
                            var acc = VectorMath.dot(dMixed + i * f, hk + i * f, count: f)
                            for j in 0..<r { acc += q[i * r + j] * wk[i * r + j] }
                            dGate[2 * i + k] = acc
                        }
                    }
                }
                if withDiscriminator {
                    addPerSequence(tape.discW.pointer, columns: r, segment: seg, batch: batch, into: dw)
                }
                let hMask = settings.mask(layer: l, slot: k, input: 1)
                if let grads = v.grads {
                    scaledLowRank(wk, rows: seg.rows, slot: k, scale: v.scale, tape: tape, into: lowRank)
                    BLAS.gemm(
                        transposeA: true, transposeB: false, m: r, n: d, k: m, a: lowRank + r0 * r, lda: r,
                        b: dy + r0 * d, ldb: d, beta: 1, c: grads.down.bt, ldc: d)
                    let hd = dropout(hk, rows: seg.rows, columns: f, mask: hMask, scratch: dropped)
                    BLAS.gemm(
                        transposeA: true, transposeB: false, m: r, n: f, k: m, a: dw + r0 * r, lda: r, b: hd, ldb: f,
                        beta: 1, c: grads.down.a, ldc: f)
                }
                // dh_k = g_k·dMixed + drop′(dw·A2) (+ discriminator), then through the activation.
                BLAS.gemm(
                    transposeB: false, m: m, n: f, k: r, a: dw + r0 * r, lda: r, b: v.down.a, ldb: f,
                    c: temp + r0 * f, ldc: f)
                if withDiscriminator {
                    addPerSequence(tape.discH.pointer, columns: f, segment: seg, batch: batch, into: dh)
                }
                let vk = swiGLU ? UnsafePointer(tape.v[k].pointer) : nil
                Parallel.forChunks(m, cost: f * 8) { chunk in
                    let rows = (r0 + chunk.lowerBound)..<(r0 + chunk.upperBound)
                    accumulateDropout(temp, into: dh, rows: rows, columns: f, mask: hMask)
                    let first = rows.lowerBound * f, count = rows.count * f
                    if let vk {
                        SwiGLU.backward(
                            gate: uk + first, up: vk + first, gradient: dh + first, gateGradient: dh + first,
                            upGradient: dv + first, count: count)
                        for i in first..<(first + count) { dvTotal[i] += dv[i] }
                    } else {
                        GELU.backward(preactivation: uk + first, gradient: dh + first, into: dh + first, count: count)
                    }
                    for i in first..<(first + count) { duTotal[i] += dh[i] }
                }
                upAdapterBackward(
                    v.up, grads: v.grads?.up, gradient: dh, saved: tape.z[k].pointer, segment: seg, layer: l,
                    slot: k, input: 0, scale: v.scale, x1: x1, dx1: dx1, settings: settings, work: work)
                if let linear = v.linear {
                    upAdapterBackward(
                        linear, grads: v.grads?.linear, gradient: dv, saved: tape.z3[k].pointer, segment: seg,
                        layer: l, slot: k, input: 2, scale: v.scale, x1: x1, dx1: dx1, settings: settings,
                        work: work)
                }
            }
        }
        if gated {
            // Two-way softmax: ∂l0 = g0·g1·(dg0 − dg1), ∂l1 = −∂l0.
            for i in 0..<n {
                let dl = g[2 * i] * g[2 * i + 1] * (dGate[2 * i] - dGate[2 * i + 1])
                dGate[2 * i] = dl
                dGate[2 * i + 1] = -dl
            }
            if settings.training {
                BLAS.gemm(
                    transposeA: true, transposeB: false, m: 2, n: d, k: n, a: dGate, lda: 2, b: x1, ldb: d, beta: 1,
                    c: gates[l].gradient, ldc: d)
            }
            BLAS.gemm(
                transposeB: false, m: n, n: d, k: 2, a: dGate, lda: 2, b: gates[l].value, ldb: d, beta: 1, c: dx1,
                ldc: d)
        }
        accumulateInputGradient(duTotal, weight: w.w1, rows: n, into: dx1)
        if let w3 = w.w3 { accumulateInputGradient(dvTotal, weight: w3, rows: n, into: dx1) }
    }

    /// One d → f adapter (A, B) of a slot, given the gradient at its projection's output du [N, f] and its saved
    /// z = A·drop(x1): dz = s·du·B; dBᵀ += s·zᵀ·du and dA += dzᵀ·drop(x1) when trained; dx1 += drop′(dz·A).
    private func upAdapterBackward(
        _ adapter: ExpertView.Adapter, grads: ExpertView.AdapterGradient?, gradient du: UnsafeMutablePointer<Float>,
        saved z: UnsafeMutablePointer<Float>, segment seg: (task: Int, sequences: Range<Int>, rows: Range<Int>),
        layer l: Int, slot k: Int, input: Int, scale: Float, x1: UnsafeMutablePointer<Float>,
        dx1: UnsafeMutablePointer<Float>, settings: StepSettings, work: StepWorkspace
    ) {
        let d = shape.hiddenSize, f = shape.intermediateSize, r = rank
        let r0 = seg.rows.lowerBound, m = seg.rows.count
        let dz = work.dz.pointer, droppedD = work.droppedD.pointer, tempD = work.tempD.pointer
        let mask = settings.mask(layer: l, slot: k, input: input)
        BLAS.gemmNT(
            m: m, n: r, k: f, alpha: scale, a: du + r0 * f, lda: f, b: adapter.bt, ldb: f, c: dz + r0 * r, ldc: r)
        if let grads {
            BLAS.gemm(
                transposeA: true, transposeB: false, m: r, n: f, k: m, alpha: scale, a: z + r0 * r, lda: r,
                b: du + r0 * f, ldb: f, beta: 1, c: grads.bt, ldc: f)
            let xd = dropout(x1, rows: seg.rows, columns: d, mask: mask, scratch: droppedD)
            BLAS.gemm(
                transposeA: true, transposeB: false, m: r, n: d, k: m, a: dz + r0 * r, lda: r, b: xd, ldb: d,
                beta: 1, c: grads.a, ldc: d)
        }
        BLAS.gemm(
            transposeB: false, m: m, n: d, k: r, a: dz + r0 * r, lda: r, b: adapter.a, ldb: d, c: tempD + r0 * d,
            ldc: d)
        accumulateDropout(tempD, into: dx1, rows: seg.rows, columns: d, mask: mask)
    }

    /// dx1 [N, d] += du [N, f] · W (W [f, d]).
    private func accumulateInputGradient(
        _ du: UnsafePointer<Float>, weight: [Float], rows n: Int, into dx1: UnsafeMutablePointer<Float>
    ) {
        let d = shape.hiddenSize, f = shape.intermediateSize
        weight.withUnsafeBufferPointer { w in
            BLAS.gemm(
                transposeB: false, m: n, n: d, k: f, a: du, lda: f, b: w.baseAddress!, ldb: d, beta: 1, c: dx1,
                ldc: d)
        }
    }

    /// out[rows] += src[rows] through the dropout mask's backward (src itself when nothing is dropped).
    private func accumulateDropout(
        _ src: UnsafeMutablePointer<Float>, into out: UnsafeMutablePointer<Float>,
        rows: Range<Int>, columns: Int, mask: DropoutMask
    ) {
        let first = rows.lowerBound * columns, count = rows.count * columns
        if mask.isIdentity {
            for i in first..<(first + count) { out[i] += src[i] }
        } else {
            mask.accumulate(src + first, into: out + first, count: count, first: first)
        }
    }

    /// out[row] += perSequence[s] for every row of every sequence s of the segment.
    private func addPerSequence(
        _ perSequence: UnsafePointer<Float>, columns: Int,
        segment: (task: Int, sequences: Range<Int>, rows: Range<Int>), batch: TrainingBatch,
        into out: UnsafeMutablePointer<Float>
    ) {
        for s in segment.sequences {
            for i in batch.packed.offsets[s]..<batch.packed.offsets[s + 1] {
                for j in 0..<columns { out[i * columns + j] += perSequence[s * columns + j] }
            }
        }
    }
}
