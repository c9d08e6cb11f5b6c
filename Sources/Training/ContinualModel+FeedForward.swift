// The MoE-CL FFN of one layer in the training forward pass (moe-cl.md §2), with the baselines' single-expert forms.

import Foundation
import TensorCore

extension ContinualModel {
    /// The experts the rows of task `t` run through in layer `l`: [shared, task] (gated), [shared] or [task].
    func slots(task t: Int, layer l: Int, settings: StepSettings) -> [ExpertView] {
        let trainsTask = settings.trainTask == t
        switch mixing {
        case .gated:
            return [
                ExpertView(shared!, layer: l, trainable: settings.training),
                ExpertView(tasks[t].lora!, layer: l, trainable: trainsTask),
            ]
        case .sharedOnly:
            return [ExpertView(shared!, layer: l, trainable: settings.training)]
        case .taskOnly:
            return [ExpertView(tasks[t].lora!, layer: l, trainable: trainsTask)]
        }
    }

    var slotCount: Int { mixing == .gated ? 2 : 1 }

    /// y [N, d] (into work.projected, without b2) from x1 = tape.x1. Per row and expert slot k:
    /// z_k = A1·drop(x1); u_k = W1·x1 + b1 + s·B1·z_k; h_k = GELU(u_k); w_k = A2·drop(h_k);
    /// g = softmax(G·x1) (gated; else g_k = 1); y = W2·(Σ g_k h_k) + s·Σ g_k B2·w_k.
    func feedForward(layer l: Int, batch: TrainingBatch, tape: LayerTape, settings: StepSettings, work: StepWorkspace) {
        let c = config, n = batch.packed.tokenCount, d = c.hiddenSize, f = c.intermediateSize, r = rank
        let w = encoder.layers[l], x1 = tape.x1.pointer
        let u = (0..<slotCount).map { tape.u[$0].reserve(n * f) }
        let h = (0..<slotCount).map { tape.h[$0].reserve(n * f) }
        let z = (0..<slotCount).map { tape.z[$0].reserve(n * r) }
        let wk = (0..<slotCount).map { tape.w[$0].reserve(n * r) }
        let droppedD = work.droppedD.reserve(n * d), dropped = work.dropped.reserve(n * f)
        let lowRank = work.lowRank.reserve(n * r), y = work.projected.reserve(n * d)
        w.intermediateWeight.withUnsafeBufferPointer { w1 in
            BLAS.gemmNT(m: n, n: f, k: d, a: x1, lda: d, b: w1.baseAddress!, ldb: d, c: u[0], ldc: f)
        }
        w.intermediateBias.withUnsafeBufferPointer { b1 in
            let u0 = u[0], bias = b1.baseAddress!
            Parallel.forChunks(n, cost: f) { rows in
                for i in rows { for j in 0..<f { u0[i * f + j] += bias[j] } }
            }
        }
        for k in 1..<slotCount { u[k].update(from: u[0], count: n * f) }
        let segments = batch.segments
        for seg in segments {
            let r0 = seg.rows.lowerBound, m = seg.rows.count
            for (k, v) in slots(task: seg.task, layer: l, settings: settings).enumerated() {
                let xd = dropout(
                    x1, rows: seg.rows, columns: d, mask: settings.mask(layer: l, slot: k, input: 0),
                    scratch: droppedD)
                BLAS.gemmNT(m: m, n: r, k: d, a: xd, lda: d, b: v.upA, ldb: d, c: z[k] + r0 * r, ldc: r)
                BLAS.gemm(
                    transposeB: false, m: m, n: f, k: r, alpha: v.scale, a: z[k] + r0 * r, lda: r, b: v.upBT,
                    ldb: f, beta: 1, c: u[k] + r0 * f, ldc: f)
            }
        }
        for k in 0..<slotCount {
            h[k].update(from: u[k], count: n * f)
            GELU.forwardInPlace(h[k], rows: n, columns: f, bias: nil)
        }
        for seg in segments {
            let r0 = seg.rows.lowerBound, m = seg.rows.count
            for (k, v) in slots(task: seg.task, layer: l, settings: settings).enumerated() {
                let hd = dropout(
                    h[k], rows: seg.rows, columns: f, mask: settings.mask(layer: l, slot: k, input: 1),
                    scratch: dropped)
                BLAS.gemmNT(m: m, n: r, k: f, a: hd, lda: f, b: v.downA, ldb: f, c: wk[k] + r0 * r, ldc: r)
            }
        }
        // Gate and mix.
        let mixed: UnsafeMutablePointer<Float>
        if mixing == .gated {
            let g = tape.gate.reserve(n * 2)
            BLAS.gemmNT(m: n, n: 2, k: d, a: x1, lda: d, b: gates[l].value, ldb: d, c: g, ldc: 2)
            for i in 0..<n {
                let top = max(g[2 * i], g[2 * i + 1])
                let e0 = expf(g[2 * i] - top), e1 = expf(g[2 * i + 1] - top)
                g[2 * i] = e0 / (e0 + e1)
                g[2 * i + 1] = e1 / (e0 + e1)
            }
            mixed = work.mixed.reserve(n * f)
            let h0 = h[0], h1 = h[1]
            Parallel.forChunks(n, cost: f * 2) { rows in
                for i in rows {
                    let g0 = g[2 * i], g1 = g[2 * i + 1]
                    for j in 0..<f { mixed[i * f + j] = g0 * h0[i * f + j] + g1 * h1[i * f + j] }
                }
            }
        } else {
            mixed = h[0]
        }
        w.outputWeight.withUnsafeBufferPointer { w2 in
            BLAS.gemmNT(m: n, n: d, k: f, a: mixed, lda: f, b: w2.baseAddress!, ldb: f, c: y, ldc: d)
        }
        for seg in segments {
            let r0 = seg.rows.lowerBound, m = seg.rows.count
            for (k, v) in slots(task: seg.task, layer: l, settings: settings).enumerated() {
                scaledLowRank(wk[k], rows: seg.rows, slot: k, scale: v.scale, tape: tape, into: lowRank)
                BLAS.gemm(
                    transposeB: false, m: m, n: d, k: r, a: lowRank + r0 * r, lda: r, b: v.downBT, ldb: d,
                    beta: 1, c: y + r0 * d, ldc: d)
            }
        }
    }

    /// out[rows] = s · g_k · w_k (g_k = 1 unless gated): what multiplies Bᵀ of the down adapter.
    func scaledLowRank(
        _ wk: UnsafeMutablePointer<Float>, rows: Range<Int>, slot k: Int, scale: Float, tape: LayerTape,
        into out: UnsafeMutablePointer<Float>
    ) {
        let r = rank, g = tape.gate.pointer
        for i in rows {
            let factor = mixing == .gated ? scale * g[2 * i + k] : scale
            for j in 0..<r { out[i * r + j] = factor * wk[i * r + j] }
        }
    }

    /// The dropped-out rows of `x` (in `scratch` at the same rows) or `x` itself when the mask keeps everything.
    func dropout(
        _ x: UnsafeMutablePointer<Float>, rows: Range<Int>, columns: Int, mask: DropoutMask,
        scratch: UnsafeMutablePointer<Float>
    ) -> UnsafeMutablePointer<Float> {
        let first = rows.lowerBound * columns
        if mask.isIdentity { return x + first }
        Parallel.forChunks(rows.count, cost: columns * 4) { chunk in
            let start = first + chunk.lowerBound * columns
            mask.apply(x + start, into: scratch + start, count: chunk.count * columns, first: start)
        }
        return scratch + first
    }
}
