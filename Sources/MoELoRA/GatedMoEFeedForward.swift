// The efficient MoE-CL feed-forward for gated units (Llama's SwiGLU): each frozen projection once, on BLAS or on
// the base's prepared (int8) projections.

import Foundation
import TensorCore
import Transformer

/// y = W2·m + s0·g0·B2_0·A2_0·h_0 + st·g1·B2_t·A2_t·h_t, with m = h_t + g0·(h_0 − h_t) and per expert e
/// h_e = silu(W1·x + s_e·B1_e·A1_e·x) ⊙ (W3·x + s_e·B3_e·A3_e·x), (g0, g1) = softmax(G·x).
///
/// The three big products W1·x, W3·x and W2·m run once for the whole batch, whatever the experts; the LoRA side
/// paths run as rank-R products, the shared expert's over all rows at once, each task expert's over its run of
/// rows. With every B = 0 the result equals the frozen FFN bit for bit (each side path adds exact zeros, the mix
/// gives h_t, and h_t is computed by the same `SwiGLU` code).
///
/// Shapes: N rows, d hidden, f intermediate, R rank; x [N, d], scratch [N, f] (holds m), y [N, d].
struct GatedMoEFeedForward: FeedForward {
    let shared: SharedExpert
    let experts: [LoRAExpert]
    let expertOfRow: [Int32]
    var gateSums: GateSums? = nil

    var includesOutputBias: Bool { true }

    func apply(
        layer l: Int, weights w: FeedForwardWeights, input x: UnsafePointer<Float>, batch: PackedBatch,
        scratch: UnsafeMutablePointer<Float>, output y: UnsafeMutablePointer<Float>
    ) {
        let n = batch.tokenCount, d = w.hidden, f = w.intermediate
        guard n > 0, let w3 = w.w3 else { return }
        let buffers = (0..<4).map { _ in UnsafeMutablePointer<Float>.allocate(capacity: n * f) }
        defer { buffers.forEach { $0.deallocate() } }
        let u = buffers[0], v = buffers[1], h0 = buffers[2], ht = scratch, vt = buffers[3]
        project(x, w.w1, w.projections?.w1, rows: n, out: f, in: d, into: u)
        project(x, w3, w.upProjection, rows: n, out: f, in: d, into: v)
        let gates = gateWeights(x, layer: l, rows: n, d: d)
        // Shared expert over every row: h_0 in h0 (its linear branch in vt, reused below).
        let sharedLayer = shared.expert.layers[l], s0 = shared.expert.scale
        h0.update(from: u, count: n * f)
        vt.update(from: v, count: n * f)
        addLowRank(x, sharedLayer.up, rows: 0..<n, scale: s0, into: h0, d: d, f: f)
        addLowRank(x, sharedLayer.linear!, rows: 0..<n, scale: s0, into: vt, d: d, f: f)
        SwiGLU.forwardInPlace(gate: h0, up: vt, count: n * f)
        // Each row's task expert: h_t in ht.
        ht.update(from: u, count: n * f)
        vt.update(from: v, count: n * f)
        let runs = Self.runs(expertOfRow)
        for run in runs {
            let layer = experts[Int(expertOfRow[run.lowerBound])].layers[l]
            let s = experts[Int(expertOfRow[run.lowerBound])].scale
            addLowRank(x, layer.up, rows: run, scale: s, into: ht, d: d, f: f)
            addLowRank(x, layer.linear!, rows: run, scale: s, into: vt, d: d, f: f)
        }
        SwiGLU.forwardInPlace(gate: ht, up: vt, count: n * f)
        // Down adapters read each expert's own h; then mix in place of ht and run W2 once.
        let r0 = shared.expert.rank
        let z = UnsafeMutablePointer<Float>.allocate(capacity: n * max(r0, MoEFeedForwardKernel.maxRank))
        defer { z.deallocate() }
        y.initialize(repeating: 0, count: n * d)
        downLowRank(h0, sharedLayer.down, rows: 0..<n, scale: s0, gates: gates, slot: 0, z: z, into: y, d: d, f: f)
        for run in runs {
            let expert = experts[Int(expertOfRow[run.lowerBound])]
            downLowRank(
                ht, expert.layers[l].down, rows: run, scale: expert.scale, gates: gates, slot: 1, z: z, into: y,
                d: d, f: f)
        }
        Parallel.forChunks(n, cost: f * 2) { rows in
            for i in rows {
                let g0 = gates[2 * i]
                for j in (i * f)..<((i + 1) * f) { ht[j] += g0 * (h0[j] - ht[j]) }
            }
        }
        if let down = w.projections?.w2 {  // y += W2·m through u, free by now (n·f ≥ n·d)
            down.apply(ht, rows: n, lda: f, bias: nil, into: u, ldc: d)
            for i in 0..<(n * d) { y[i] += u[i] }
        } else {
            w.w2.withUnsafeBufferPointer { w2 in
                BLAS.gemmNT(m: n, n: d, k: f, a: ht, lda: f, b: w2.baseAddress!, ldb: f, beta: 1, c: y, ldc: d)
            }
        }
        if let gateSums { for i in 0..<n { gateSums.pointer[i] += gates[2 * i] } }
    }

    /// (g0, g1) per row, as the encoder's kernel forms them.
    private func gateWeights(_ x: UnsafePointer<Float>, layer l: Int, rows n: Int, d: Int) -> [Float] {
        let gate = shared.gates[l].pointer
        var g = [Float](repeating: 0, count: 2 * n)
        for i in 0..<n {
            let l0 = VectorMath.dot(gate, x + i * d, count: d), l1 = VectorMath.dot(gate + d, x + i * d, count: d)
            g[2 * i] = 1 / (1 + expf(l1 - l0))
            g[2 * i + 1] = 1 / (1 + expf(l0 - l1))
        }
        return g
    }

    /// out[rows] += s · (x[rows] · Aᵀ) · Bᵀᵀ for an adapter d → f.
    private func addLowRank(
        _ x: UnsafePointer<Float>, _ a: LoRAFactors, rows: Range<Int>, scale: Float,
        into out: UnsafeMutablePointer<Float>,
        d: Int, f: Int
    ) {
        let m = rows.count, r = a.rank
        let z = UnsafeMutablePointer<Float>.allocate(capacity: m * r)
        defer { z.deallocate() }
        BLAS.gemmNT(m: m, n: r, k: d, a: x + rows.lowerBound * d, lda: d, b: a.a.pointer, ldb: d, c: z, ldc: r)
        BLAS.gemm(
            transposeB: false, m: m, n: f, k: r, alpha: scale, a: z, lda: r, b: a.bTransposed.pointer, ldb: f,
            beta: 1, c: out + rows.lowerBound * f, ldc: f)
    }

    /// y[rows] += s · g_slot · (h[rows] · A2ᵀ) · B2ᵀᵀ.
    private func downLowRank(
        _ h: UnsafePointer<Float>, _ a: LoRAFactors, rows: Range<Int>, scale: Float, gates: [Float], slot: Int,
        z: UnsafeMutablePointer<Float>, into y: UnsafeMutablePointer<Float>, d: Int, f: Int
    ) {
        let m = rows.count, r = a.rank
        BLAS.gemmNT(m: m, n: r, k: f, a: h + rows.lowerBound * f, lda: f, b: a.a.pointer, ldb: f, c: z, ldc: r)
        for t in 0..<m {
            let factor = scale * gates[2 * (rows.lowerBound + t) + slot]
            for k in 0..<r { z[t * r + k] *= factor }
        }
        BLAS.gemm(
            transposeB: false, m: m, n: d, k: r, a: z, lda: r, b: a.bTransposed.pointer, ldb: d, beta: 1,
            c: y + rows.lowerBound * d, ldc: d)
    }

    private func project(
        _ x: UnsafePointer<Float>, _ weight: [Float], _ prepared: (any Projection)?, rows: Int, out: Int, in k: Int,
        into y: UnsafeMutablePointer<Float>
    ) {
        if let prepared {
            prepared.apply(x, rows: rows, lda: k, bias: nil, into: y, ldc: out)
            return
        }
        weight.withUnsafeBufferPointer { w in
            BLAS.gemmNT(m: rows, n: out, k: k, a: x, lda: k, b: w.baseAddress!, ldb: k, c: y, ldc: out)
        }
    }

    /// Maximal runs of consecutive rows with the same task expert.
    static func runs(_ expertOfRow: [Int32]) -> [Range<Int>] {
        var runs: [Range<Int>] = []
        var start = 0
        for i in 1...expertOfRow.count where i == expertOfRow.count || expertOfRow[i] != expertOfRow[start] {
            runs.append(start..<i)
            start = i
        }
        return runs
    }
}
