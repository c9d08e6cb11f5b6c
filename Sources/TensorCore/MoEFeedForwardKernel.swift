// The MoE-CL feed-forward in its efficient form: one W1 and one W2 GEMM for both experts, LoRA side paths fused.

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
/// and GELU runs the same vector code as `GELU.forwardInPlace`.
public enum MoEFeedForwardKernel {
    /// Largest rank the kernels accept (their per-row scratch is sized by it).
    public static let maxRank = 256

    /// Runs the whole feed-forward for `rows` tokens; `expertOfRow[i]` indexes `experts` for row i. When
    /// `sharedGateSums` is given, row i's shared-expert gate weight g0 is added to `sharedGateSums[i]`.
    public static func forward(
        x: UnsafePointer<Float>, rows n: Int, hidden d: Int, intermediate f: Int,
        w1: UnsafePointer<Float>, b1: UnsafePointer<Float>, w2: UnsafePointer<Float>,
        gate: UnsafePointer<Float>, shared: LoRALayerPointers,
        experts: UnsafePointer<LoRALayerPointers>, expertOfRow: UnsafePointer<Int32>,
        scratch: UnsafeMutablePointer<Float>, output y: UnsafeMutablePointer<Float>,
        sharedGateSums: UnsafeMutablePointer<Float>? = nil
    ) {
        guard n > 0 else { return }
        BLAS.gemmNT(m: n, n: f, k: d, a: x, lda: d, b: w1, ldb: d, c: scratch, ldc: f)
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
        BLAS.gemmNT(m: n, n: d, k: f, a: scratch, lda: f, b: w2, ldb: f, c: y, ldc: d)
        Parallel.forChunks(n, cost: d * rankCost * 2) { range in
            for i in range {
                let task = experts[Int(expertOfRow[i])]
                let zi = z + i * zStride
                addLowRank(y + i * d, count: d, z: zi, factorsT: shared.downBT, rank: shared.rank)
                addLowRank(y + i * d, count: d, z: zi + shared.rank, factorsT: task.downBT, rank: task.rank)
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
        typealias V = SIMD16<Float>
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
        // Hot loop: pointers advance by f per rank step (no index products, no overflow checks).
        var j = 0
        while j &+ 16 <= f {
            let bias = load(b1 + j)
            let upShared = shared.upBT + j, upTask = task.upBT + j
            var u = hidden + rows.lowerBound &* f + j
            var h0 = work.h0 + j, ht = work.ht + j
            for t in 0..<count {
                let a = work.a + t &* stride
                let base = load(u) + bias
                let v0 = GELU.simd(lowRankUpdate(base, a, upShared, rank: r0, stride: f))
                let vt = GELU.simd(lowRankUpdate(base, a + r0, upTask, rank: rt, stride: f))
                store(v0, h0)
                store(vt, ht)
                store(vt + V(repeating: work.gates[2 &* t]) * (v0 - vt), u)
                u += f
                h0 += f
                ht += f
            }
            j &+= 16
        }
        for t in 0..<count where j < f {
            let u = hidden + (rows.lowerBound + t) * f, h0 = work.h0 + t * f, ht = work.ht + t * f
            let a = work.a + t * stride, g0 = work.gates[2 * t]
            for jj in j..<f {
                let base = u[jj] + b1[jj]
                var u0 = base, ut = base
                for k in 0..<r0 { u0 = u0.addingProduct(a[k], shared.upBT[k * f + jj]) }
                for k in 0..<rt { ut = ut.addingProduct(a[r0 + k], task.upBT[k * f + jj]) }
                h0[jj] = GELU.scalar(u0)
                ht[jj] = GELU.scalar(ut)
                u[jj] = ht[jj] + g0 * (h0[jj] - ht[jj])
            }
        }
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

    /// base + Σ_k a[k] · rows[k·stride ..< k·stride + 16].
    @inline(__always)
    static func lowRankUpdate(
        _ base: SIMD16<Float>, _ a: UnsafePointer<Float>, _ rows: UnsafePointer<Float>, rank: Int,
        stride: Int
    ) -> SIMD16<Float> {
        var sum = base, p = rows
        for k in 0..<rank {
            sum = sum.addingProduct(SIMD16<Float>(repeating: a[k]), load(p))
            p += stride
        }
        return sum
    }

    /// row[0..<count] += Σ_k z[k] · factorsT[k, 0..<count].
    @inline(__always)
    static func addLowRank(
        _ row: UnsafeMutablePointer<Float>, count: Int, z: UnsafePointer<Float>,
        factorsT: UnsafePointer<Float>, rank: Int
    ) {
        typealias V = SIMD16<Float>
        var j = 0
        while j + 16 <= count {
            var acc = load(row + j)
            for k in 0..<rank { acc = acc.addingProduct(V(repeating: z[k]), load(factorsT + k * count + j)) }
            store(acc, row + j)
            j += 16
        }
        while j < count {
            var acc = row[j]
            for k in 0..<rank { acc = acc.addingProduct(z[k], factorsT[k * count + j]) }
            row[j] = acc
            j += 1
        }
    }

    @inline(__always)
    static func load(_ p: UnsafePointer<Float>) -> SIMD16<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self)
    }

    @inline(__always)
    static func load(_ p: UnsafeMutablePointer<Float>) -> SIMD16<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self)
    }

    @inline(__always)
    static func store(_ v: SIMD16<Float>, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD16<Float>.self)
    }
}
