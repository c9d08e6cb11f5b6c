// The MoE-CL feed-forward in its efficient form: one W1 and one W2 GEMM for both experts, LoRA side paths fused.

import Foundation

/// y = W2·(g0·h0 + g1·ht) + s0·g0·B2_0·A2_0·h0 + st·g1·B2_t·A2_t·ht, with h_e = GELU(W1·x + b1 + s_e·B1_e·A1_e·x)
/// and (g0, g1) = softmax(G·x): the shared expert (0) and each row's task expert (t), mixed by a token-wise gate.
/// The output bias b2 is left out (the caller adds it inside the residual LayerNorm, as the plain FFN does).
///
/// Shapes: N rows (tokens), d hidden, f intermediate, R rank (per expert, may differ).
/// x [N, d], W1 [f, d], b1 [f], W2 [d, f], G [2, d], hidden scratch [N, f], y [N, d]; expert factors as in
/// `LoRALayerPointers`. Steps:
/// 1. scratch = x · W1ᵀ (BLAS)
/// 2. per row: a_e = s_e·A1_e·x (R each), g = softmax(G·x)
/// 3. per tile of up to 8 rows with the same task expert, one pass over f (so the factors stream once per tile):
///    u_e = scratch + b1 + a_eᵀ·B1_eᵀ, h_e = GELU(u_e), A2_e·h_e accumulated, scratch ← ht + g0·(h0 − ht);
///    then z_e = s_e·g_e·A2_e·h_e (R each)
/// 4. y = scratch · W2ᵀ (BLAS)
/// 5. per row: y += z_0ᵀ·B2_0ᵀ + z_tᵀ·B2_tᵀ
/// With every B = 0 this equals the plain FFN bit for bit: each LoRA term adds exact zeros, the mix gives ht,
/// and GELU runs the same vector code as `GELU.forwardInPlace`.
public enum MoEFeedForwardKernel {
    /// Largest rank the kernels accept (their per-row scratch is sized by it).
    public static let maxRank = 256

    /// Runs the whole feed-forward for `rows` tokens; `expertOfRow[i]` indexes `experts` for row i.
    public static func forward(x: UnsafePointer<Float>, rows n: Int, hidden d: Int, intermediate f: Int,
                               w1: UnsafePointer<Float>, b1: UnsafePointer<Float>, w2: UnsafePointer<Float>,
                               gate: UnsafePointer<Float>, shared: LoRALayerPointers,
                               experts: UnsafePointer<LoRALayerPointers>, expertOfRow: UnsafePointer<Int32>,
                               scratch: UnsafeMutablePointer<Float>, output y: UnsafeMutablePointer<Float>) {
        guard n > 0 else { return }
        BLAS.gemmNT(m: n, n: f, k: d, a: x, lda: d, b: w1, ldb: d, c: scratch, ldc: f)
        // z holds, per row, z_0 then z_t (each padded to maxRank) for step 5.
        let z = UnsafeMutablePointer<Float>.allocate(capacity: n * 2 * maxRank)
        defer { z.deallocate() }
        let tiles = rowTiles(n, expertOfRow: expertOfRow)
        let rankCost = shared.rank + experts[0].rank
        Parallel.forChunks(tiles.count, cost: tileRows * f * (2 * rankCost + 40)) { range in
            let work = TileWork(f: f, ranks: shared.rank + maxRank)
            defer { work.deallocate() }
            for tile in range {
                let rows = tiles[tile]
                let task = experts[Int(expertOfRow[rows.lowerBound])]
                mixTile(rows: rows, x: x, d: d, f: f, b1: b1, gate: gate, shared: shared, task: task,
                        hidden: scratch, z: z, work: work)
            }
        }
        BLAS.gemmNT(m: n, n: d, k: f, a: scratch, lda: f, b: w2, ldb: f, c: y, ldc: d)
        Parallel.forChunks(n, cost: d * rankCost * 2) { range in
            for i in range {
                let task = experts[Int(expertOfRow[i])]
                let zi = z + i * 2 * maxRank
                addLowRank(y + i * d, count: d, z: zi, factorsT: shared.downBT, rank: shared.rank)
                addLowRank(y + i * d, count: d, z: zi + maxRank, factorsT: task.downBT, rank: task.rank)
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
        let accumulators: UnsafeMutablePointer<SIMD16<Float>>
        /// Scalar sums of the columns past the last multiple of 16.
        let tail: UnsafeMutablePointer<Float>
        let ranks: Int

        init(f: Int, ranks: Int) {
            a = .allocate(capacity: tileRows * ranks)
            gates = .allocate(capacity: tileRows * 2)
            accumulators = .allocate(capacity: tileRows * ranks)
            tail = .allocate(capacity: ranks)
            self.ranks = ranks
        }

        func deallocate() {
            a.deallocate()
            gates.deallocate()
            accumulators.deallocate()
            tail.deallocate()
        }
    }

    /// Steps 2 and 3 for the rows of one tile (all with the same task expert).
    /// Per row t the shared expert's values sit at [t · ranks ..< t · ranks + R0], the task's after them.
    @inline(__always)
    static func mixTile(rows: Range<Int>, x: UnsafePointer<Float>, d: Int, f: Int, b1: UnsafePointer<Float>,
                        gate: UnsafePointer<Float>, shared: LoRALayerPointers, task: LoRALayerPointers,
                        hidden: UnsafeMutablePointer<Float>, z: UnsafeMutablePointer<Float>, work: TileWork) {
        typealias V = SIMD16<Float>
        let r0 = shared.rank, rt = task.rank, stride = work.ranks
        let count = rows.count
        for t in 0..<count {
            let xi = x + (rows.lowerBound + t) * d
            let a = work.a + t * stride
            for k in 0..<r0 { a[k] = shared.scale * dot(shared.upA + k * d, xi, count: d) }
            for k in 0..<rt { a[r0 + k] = task.scale * dot(task.upA + k * d, xi, count: d) }
            let l0 = dot(gate, xi, count: d), l1 = dot(gate + d, xi, count: d)
            work.gates[2 * t] = 1 / (1 + expf(l1 - l0))
            work.gates[2 * t + 1] = 1 / (1 + expf(l0 - l1))
        }
        work.accumulators.initialize(repeating: V(repeating: 0), count: count * stride)
        var j = 0
        while j + 16 <= f {
            let bias = load(b1 + j)
            for t in 0..<count {
                let u = hidden + (rows.lowerBound + t) * f + j
                let a = work.a + t * stride, acc = work.accumulators + t * stride
                let base = load(u) + bias
                var u0 = base, ut = base
                for k in 0..<r0 { u0 = u0.addingProduct(V(repeating: a[k]), load(shared.upBT + k * f + j)) }
                for k in 0..<rt { ut = ut.addingProduct(V(repeating: a[r0 + k]), load(task.upBT + k * f + j)) }
                let v0 = GELU.simd(u0), vt = GELU.simd(ut)
                for k in 0..<r0 { acc[k] = acc[k].addingProduct(load(shared.downA + k * f + j), v0) }
                for k in 0..<rt { acc[r0 + k] = acc[r0 + k].addingProduct(load(task.downA + k * f + j), vt) }
                store(vt + V(repeating: work.gates[2 * t]) * (v0 - vt), u)
            }
            j += 16
        }
        for t in 0..<count {
            let u = hidden + (rows.lowerBound + t) * f
            let a = work.a + t * stride, acc = work.accumulators + t * stride
            let tail = work.tail
            tail.initialize(repeating: 0, count: r0 + rt)
            let g0 = work.gates[2 * t]
            for jj in j..<f {
                let base = u[jj] + b1[jj]
                var u0 = base, ut = base
                for k in 0..<r0 { u0 = u0.addingProduct(a[k], shared.upBT[k * f + jj]) }
                for k in 0..<rt { ut = ut.addingProduct(a[r0 + k], task.upBT[k * f + jj]) }
                let v0 = GELU.scalar(u0), vt = GELU.scalar(ut)
                for k in 0..<r0 { tail[k] += shared.downA[k * f + jj] * v0 }
                for k in 0..<rt { tail[r0 + k] += task.downA[k * f + jj] * vt }
                u[jj] = vt + g0 * (v0 - vt)
            }
            let zi = z + (rows.lowerBound + t) * 2 * maxRank
            let s0 = shared.scale * g0, st = task.scale * work.gates[2 * t + 1]
            for k in 0..<r0 { zi[k] = s0 * (acc[k].sum() + tail[k]) }
            for k in 0..<rt { zi[maxRank + k] = st * (acc[r0 + k].sum() + tail[r0 + k]) }
        }
    }

    /// row[0..<count] += Σ_k z[k] · factorsT[k, 0..<count].
    @inline(__always)
    static func addLowRank(_ row: UnsafeMutablePointer<Float>, count: Int, z: UnsafePointer<Float>,
                           factorsT: UnsafePointer<Float>, rank: Int) {
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

    /// Σ a[i]·b[i] with four vector accumulators.
    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        typealias V = SIMD16<Float>
        var s0 = V(repeating: 0), s1 = V(repeating: 0)
        var i = 0
        while i + 32 <= count {
            s0 = s0.addingProduct(load(a + i), load(b + i))
            s1 = s1.addingProduct(load(a + i + 16), load(b + i + 16))
            i += 32
        }
        while i + 16 <= count {
            s0 = s0.addingProduct(load(a + i), load(b + i))
            i += 16
        }
        var sum = (s0 + s1).sum()
        while i < count {
            sum += a[i] * b[i]
            i += 1
        }
        return sum
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
