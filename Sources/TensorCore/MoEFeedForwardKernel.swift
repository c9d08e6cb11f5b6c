// The MoE-CL feed-forward in its efficient form: one W1 and one W2 GEMM for both experts, LoRA side paths fused.

import CKernels
import Foundation

/// y = W2·(g0·h0 + g1·ht) + s0·g0·B2_0·A2_0·h0 + st·g1·B2_t·A2_t·ht, with
/// h_e = GELU(W1·x + b1 + s_e·B1_e·A1_e·x) and (g0, g1) = softmax(G·x): the shared expert (0) and each row's
/// task expert (t), mixed by a token-wise gate.
/// The output bias b2 is left out (the caller adds it inside the residual LayerNorm, as the plain FFN does).
///
/// Shapes: N rows (tokens), d hidden, f intermediate, R rank (per expert, may differ).
/// x [N, d], W1 [f, d], b1 [f], W2 [d, f], G [2, d], hidden scratch [N, f], y [N, d]; expert factors as in
/// `LoRALayerPointers`. Steps:
/// 1. scratch = x · W1ᵀ (BLAS)
/// 2. per row: a_e = s_e·A1_e·x (R each), g = softmax(G·x)
/// 3. per tile of up to 8 rows with the same task expert, one pass over f (so the factors stream once per tile):
///    u_e = scratch + b1 + a_eᵀ·B1_eᵀ, h_e = GELU(u_e), scratch ← ht + g0·(h0 − ht);
///    then z_e = s_e·g_e·A2_e·h_e (R each) by register-blocked dot products over the tile (`LowRankDots`)
/// 4. y = scratch · W2ᵀ (BLAS)
/// 5. per row: y += z_0ᵀ·B2_0ᵀ + z_tᵀ·B2_tᵀ
/// With every B = 0 this equals the plain FFN bit for bit: each LoRA term adds exact zeros, the mix gives ht,
/// and GELU runs the same vector code as `GELU.forwardInPlace` (one CKernels path).
public enum MoEFeedForwardKernel {
    /// Largest rank the kernels accept (their per-row scratch is sized by it).
    public static let maxRank = 256

    /// Runs the whole feed-forward for `rows` tokens; `expertOfRow[i]` indexes `experts` for row i. When
    /// `sharedGateSums` is given, row i's shared-expert gate weight g0 is added to `sharedGateSums[i]`. With
    /// `projections` (the base's prepared W1 and W2: packed float or int8) the products run on them instead of
    /// OpenBLAS on `w1` and `w2`.
    public static func forward(
        x: UnsafePointer<Float>, rows n: Int, hidden d: Int, intermediate f: Int,
        w1: UnsafePointer<Float>, b1: UnsafePointer<Float>, w2: UnsafePointer<Float>,
        gate: UnsafePointer<Float>, shared: LoRALayerPointers,
        experts: UnsafePointer<LoRALayerPointers>, expertOfRow: UnsafePointer<Int32>,
        scratch: UnsafeMutablePointer<Float>, output y: UnsafeMutablePointer<Float>,
        sharedGateSums: UnsafeMutablePointer<Float>? = nil, projections: (w1: any Projection, w2: any Projection)? = nil
    ) {
        guard n > 0 else { return }
        if let projections {
            projections.w1.apply(x, rows: n, lda: d, bias: nil, into: scratch, ldc: f)
        } else {
            BLAS.gemmNT(m: n, n: f, k: d, a: x, lda: d, b: w1, ldb: d, c: scratch, ldc: f)
        }
        // z holds, per row, z_0 (R0 values) then z_t (up to the largest task rank of the batch) for step 5.
        var taskRank = 0
        for i in 0..<n { taskRank = max(taskRank, experts[Int(expertOfRow[i])].rank) }
        let zStride = shared.rank + taskRank
        let z = UnsafeMutablePointer<Float>.allocate(capacity: n * zStride)
        defer { z.deallocate() }
        let tiles = rowTiles(n, expertOfRow: expertOfRow)
        let rankCost = shared.rank + experts[0].rank
        Parallel.forChunks(tiles.count, cost: tileRows * f * (2 * rankCost + 40)) { range in
            let work = TileWork(f: f, ranks: shared.rank + maxRank)
            defer { work.deallocate() }
            for tile in range {
                let rows = tiles[tile]
                let task = experts[Int(expertOfRow[rows.lowerBound])]
                mixTile(
                    rows: rows, x: x, d: d, f: f, b1: b1, gate: gate, shared: shared, task: task,
                    hidden: scratch, z: z, zStride: zStride, work: work, sharedGateSums: sharedGateSums)
            }
        }
        if let projections {
            projections.w2.apply(scratch, rows: n, lda: f, bias: nil, into: y, ldc: d)
        } else {
            BLAS.gemmNT(m: n, n: d, k: f, a: scratch, lda: f, b: w2, ldb: f, c: y, ldc: d)
        }
        Parallel.forChunks(n, cost: d * rankCost * 2) { range in
            for i in range {
                let task = experts[Int(expertOfRow[i])]
                let zi = z + i * zStride
                moecl_add_low_rank(y + i * d, d, zi, shared.downBT, shared.rank)
                moecl_add_low_rank(y + i * d, d, zi + shared.rank, task.downBT, task.rank)
            }
        }
    }

    /// Rows per tile: the LoRA factors are streamed once per tile instead of once per row.
    static let tileRows = 8

    /// Runs of consecutive rows with the same task expert, at most `tileRows` long.
    static func rowTiles(_ n: Int, expertOfRow: UnsafePointer<Int32>) -> [Range<Int>] {
        var tiles: [Range<Int>] = []
        var start = 0
        for i in 1...n where i == n || expertOfRow[i] != expertOfRow[start] || i - start == tileRows {
            tiles.append(start..<i)
            start = i
        }
        return tiles
    }

    /// Per-thread scratch of `mixTile`: low-rank inputs a, gates, and the vector accumulators of A2·h.
    struct TileWork {
        let a: UnsafeMutablePointer<Float>
        let gates: UnsafeMutablePointer<Float>
        /// GELU outputs of the tile's rows: shared expert [T, f], then task expert [T, f].
        let h0: UnsafeMutablePointer<Float>
        let ht: UnsafeMutablePointer<Float>
        let ranks: Int

        init(f: Int, ranks: Int) {
            a = .allocate(capacity: tileRows * ranks)
            gates = .allocate(capacity: tileRows * 2)
            h0 = .allocate(capacity: tileRows * f)
            ht = .allocate(capacity: tileRows * f)
            self.ranks = ranks
        }

        func deallocate() {
            a.deallocate()
            gates.deallocate()
            h0.deallocate()
            ht.deallocate()
        }
    }

    /// Steps 2 and 3 for the rows of one tile (all with the same task expert).
    /// Per row t the shared expert's values sit at [t · ranks ..< t · ranks + R0], the task's after them.
    @inline(__always)
    static func mixTile(
        rows: Range<Int>, x: UnsafePointer<Float>, d: Int, f: Int, b1: UnsafePointer<Float>,
        gate: UnsafePointer<Float>, shared: LoRALayerPointers, task: LoRALayerPointers,
        hidden: UnsafeMutablePointer<Float>, z: UnsafeMutablePointer<Float>, zStride: Int,
        work: TileWork, sharedGateSums: UnsafeMutablePointer<Float>? = nil
    ) {
        let r0 = shared.rank, rt = task.rank, stride = work.ranks
        let count = rows.count
        for t in 0..<count {
            let xi = x + (rows.lowerBound + t) * d
            let a = work.a + t * stride
            for k in 0..<r0 { a[k] = shared.scale * VectorMath.dot(shared.upA + k * d, xi, count: d) }
            for k in 0..<rt { a[r0 + k] = task.scale * VectorMath.dot(task.upA + k * d, xi, count: d) }
            let l0 = VectorMath.dot(gate, xi, count: d), l1 = VectorMath.dot(gate + d, xi, count: d)
            work.gates[2 * t] = 1 / (1 + expf(l1 - l0))
            work.gates[2 * t + 1] = 1 / (1 + expf(l0 - l1))
            sharedGateSums?[rows.lowerBound + t] += work.gates[2 * t]  // tiles own their rows: no race
        }
        // One pass over f for the whole tile (the factors stream once per tile): u_e, GELU, the gated mix.
        moecl_moe_mix_rows(
            hidden + rows.lowerBound * f, count, f, b1, work.a, stride, work.gates, shared.upBT, r0, task.upBT, rt,
            work.h0, work.ht)
        // z_e[t, k] = s_e · g_e[t] · (A2_e[k] · h_e[t]), as small blocked GEMMs over the tile.
        let zTile = z + rows.lowerBound * zStride
        LowRankDots.compute(
            rows: work.h0, count: count, factors: shared.downA, rank: r0, length: f,
            out: zTile, outStride: zStride)
        LowRankDots.compute(
            rows: work.ht, count: count, factors: task.downA, rank: rt, length: f,
            out: zTile + r0, outStride: zStride)
        for t in 0..<count {
            let zi = zTile + t * zStride
            let s0 = shared.scale * work.gates[2 * t], st = task.scale * work.gates[2 * t + 1]
            for k in 0..<r0 { zi[k] *= s0 }
            for k in 0..<rt { zi[r0 + k] *= st }
        }
    }
}
