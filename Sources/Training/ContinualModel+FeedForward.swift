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
    /// z_k = A1·drop(x1); u_k = W1·x1 + b1 + s·B1·z_k; h_k = GELU(u_k), or on a gated unit (no b1)
    /// z3_k = A3·drop₂(x1), v_k = W3·x1 + s·B3·z3_k, h_k = silu(u_k) ⊙ v_k; w_k = A2·drop(h_k);
    /// g = softmax(G·x1) (gated mixing; else g_k = 1); y = W2·(Σ g_k h_k) + s·Σ g_k B2·w_k.
    func feedForward(layer l: Int, batch: TrainingBatch, tape: LayerTape, settings: StepSettings, work: StepWorkspace) {
        let n = batch.packed.tokenCount, d = shape.hiddenSize, f = shape.intermediateSize, r = rank
        let w = backbone.feedForwardWeights(layer: l), x1 = tape.x1.pointer
        let u = (0..<slotCount).map { tape.u[$0].reserve(n * f) }
        let h = (0..<slotCount).map { tape.h[$0].reserve(n * f) }
        let z = (0..<slotCount).map { tape.z[$0].reserve(n * r) }
        let wk = (0..<slotCount).map { tape.w[$0].reserve(n * r) }
        let droppedD = work.droppedD.reserve(n * d), dropped = work.dropped.reserve(n * f)
        let lowRank = work.lowRank.reserve(n * r), y = work.projected.reserve(n * d)
        project(x1, rows: n, weight: w.w1, bias: w.b1, out: f, in: d, into: u[0])
        for k in 1..<slotCount { u[k].update(from: u[0], count: n * f) }
        let segments = batch.segments
        addLowRank(x1, segments: segments, layer: l, input: 0, settings: settings, z: z, into: u, work: work) {
            $0.up
        }
        if let w3 = w.w3 {
            let v = (0..<slotCount).map { tape.v[$0].reserve(n * f) }
            let z3 = (0..<slotCount).map { tape.z3[$0].reserve(n * r) }
            project(x1, rows: n, weight: w3, bias: nil, out: f, in: d, into: v[0])
            for k in 1..<slotCount { v[k].update(from: v[0], count: n * f) }
            addLowRank(x1, segments: segments, layer: l, input: 2, settings: settings, z: z3, into: v, work: work) {
                $0.linear!
            }
            for k in 0..<slotCount {
                h[k].update(from: u[k], count: n * f)
                SwiGLU.forwardInPlace(gate: h[k], up: v[k], count: n * f)
            }
        } else {
            for k in 0..<slotCount {
                h[k].update(from: u[k], count: n * f)
                GELU.forwardInPlace(h[k], rows: n, columns: f, bias: nil)
            }
        }
        for seg in segments {
            let r0 = seg.rows.lowerBound, m = seg.rows.count
            for (k, v) in slots(task: seg.task, layer: l, settings: settings).enumerated() {
                let hd = dropout(
                    h[k], rows: seg.rows, columns: f, mask: settings.mask(layer: l, slot: k, input: 1),
                    scratch: dropped)
                BLAS.gemmNT(m: m, n: r, k: f, a: hd, lda: f, b: v.down.a, ldb: f, c: wk[k] + r0 * r, ldc: r)
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
        project(mixed, rows: n, weight: w.w2, bias: nil, out: d, in: f, into: y)
        for seg in segments {
            let r0 = seg.rows.lowerBound, m = seg.rows.count
            for (k, v) in slots(task: seg.task, layer: l, settings: settings).enumerated() {
                scaledLowRank(wk[k], rows: seg.rows, slot: k, scale: v.scale, tape: tape, into: lowRank)
                BLAS.gemm(
                    transposeB: false, m: m, n: d, k: r, a: lowRank + r0 * r, lda: r, b: v.down.bt, ldb: d,
                    beta: 1, c: y + r0 * d, ldc: d)
            }
        }
    }

    /// out [rows, outSize] = a [rows, inSize] · Wᵀ (+ bias per row); W [outSize, inSize].
    func project(
        _ a: UnsafePointer<Float>, rows n: Int, weight: [Float], bias: [Float]?, out m: Int, in k: Int,
        into out: UnsafeMutablePointer<Float>
    ) {
        weight.withUnsafeBufferPointer { wp in
            BLAS.gemmNT(m: n, n: m, k: k, a: a, lda: k, b: wp.baseAddress!, ldb: k, c: out, ldc: m)
        }
        guard let bias else { return }
        bias.withUnsafeBufferPointer { b in
            let p = b.baseAddress!
            Parallel.forChunks(n, cost: m) { rows in
                for i in rows { for j in 0..<m { out[i * m + j] += p[j] } }
            }
        }
    }

    /// Per segment and slot k: z_k = A·drop(x1) (dropout mask `input`), out_k += s·B·z_k, for the adapter
    /// `adapter` picks from the slot's expert (d → f).
    private func addLowRank(
        _ x1: UnsafeMutablePointer<Float>, segments: [(task: Int, sequences: Range<Int>, rows: Range<Int>)],
        layer l: Int, input: Int, settings: StepSettings, z: [UnsafeMutablePointer<Float>],
        into out: [UnsafeMutablePointer<Float>], work: StepWorkspace, adapter: (ExpertView) -> ExpertView.Adapter
    ) {
        let d = shape.hiddenSize, f = shape.intermediateSize, r = rank
        let droppedD = work.droppedD.pointer
        for seg in segments {
            let r0 = seg.rows.lowerBound, m = seg.rows.count
            for (k, v) in slots(task: seg.task, layer: l, settings: settings).enumerated() {
                let ab = adapter(v)
                let xd = dropout(
                    x1, rows: seg.rows, columns: d, mask: settings.mask(layer: l, slot: k, input: input),
                    scratch: droppedD)
                BLAS.gemmNT(m: m, n: r, k: d, a: xd, lda: d, b: ab.a, ldb: d, c: z[k] + r0 * r, ldc: r)
                BLAS.gemm(
                    transposeB: false, m: m, n: f, k: r, alpha: v.scale, a: z[k] + r0 * r, lda: r, b: ab.bt,
                    ldb: f, beta: 1, c: out[k] + r0 * f, ldc: f)
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
