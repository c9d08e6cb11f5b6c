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
/// 3. per row, one pass over f: u_e = scratch + b1 + a_eᵀ·B1_eᵀ, h_e = GELU(u_e), scratch ← ht + g0·(h0 − ht);
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
        let rankCost = shared.rank + experts[0].rank
        Parallel.forChunks(n, cost: f * (2 * rankCost + 40)) { range in
            let rows = UnsafeMutablePointer<Float>.allocate(capacity: 2 * f + 2 * maxRank)
            defer { rows.deallocate() }
            for i in range {
                let task = experts[Int(expertOfRow[i])]
                mixRow(x: x + i * d, d: d, f: f, b1: b1, gate: gate, shared: shared, task: task,
                       hidden: scratch + i * f, z: z + i * 2 * maxRank, work: rows)
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

    /// Steps 2 and 3 for one row. `work` holds 2f + 2·maxRank floats.
    @inline(__always)
    static func mixRow(x: UnsafePointer<Float>, d: Int, f: Int, b1: UnsafePointer<Float>, gate: UnsafePointer<Float>,
                       shared: LoRALayerPointers, task: LoRALayerPointers, hidden u: UnsafeMutablePointer<Float>,
                       z: UnsafeMutablePointer<Float>, work: UnsafeMutablePointer<Float>) {
        typealias V = SIMD16<Float>
        let h0 = work, ht = work + f, a0 = work + 2 * f, at = a0 + maxRank
        for k in 0..<shared.rank { a0[k] = shared.scale * dot(shared.upA + k * d, x, count: d) }
        for k in 0..<task.rank { at[k] = task.scale * dot(task.upA + k * d, x, count: d) }
        let l0 = dot(gate, x, count: d), l1 = dot(gate + d, x, count: d)
        let g0 = 1 / (1 + expf(l1 - l0)), g1 = 1 / (1 + expf(l0 - l1))
        let g0v = V(repeating: g0)
        var j = 0
        while j + 16 <= f {
            let base = load(u + j) + load(b1 + j)
            var u0 = base, ut = base
            for k in 0..<shared.rank { u0 = u0.addingProduct(V(repeating: a0[k]), load(shared.upBT + k * f + j)) }
            for k in 0..<task.rank { ut = ut.addingProduct(V(repeating: at[k]), load(task.upBT + k * f + j)) }
            let v0 = GELU.simd(u0), vt = GELU.simd(ut)
            store(v0, h0 + j)
            store(vt, ht + j)
            store(vt + g0v * (v0 - vt), u + j)
            j += 16
        }
        while j < f {
            let base = u[j] + b1[j]
            var u0 = base, ut = base
            for k in 0..<shared.rank { u0 = u0.addingProduct(a0[k], shared.upBT[k * f + j]) }
            for k in 0..<task.rank { ut = ut.addingProduct(at[k], task.upBT[k * f + j]) }
            h0[j] = GELU.scalar(u0)
            ht[j] = GELU.scalar(ut)
            u[j] = ht[j] + g0 * (h0[j] - ht[j])
            j += 1
        }
        let s0 = shared.scale * g0, st = task.scale * g1
        for k in 0..<shared.rank { z[k] = s0 * dot(shared.downA + k * f, h0, count: f) }
        for k in 0..<task.rank { z[maxRank + k] = st * dot(task.downA + k * f, ht, count: f) }
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
