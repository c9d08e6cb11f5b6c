// Register-blocked dot products of a few rows against a few factor rows: the A·h step of a LoRA path.

/// out[t · outStride + k] = Σ_j rows[t, j] · factors[k, j] for t < count, k < rank (both row-major with rows of
/// `length`). Blocks of 4 rows × 4 factor rows keep 16 vector accumulators in registers, so each pair of loads
/// feeds 2 FMAs on average instead of each FMA loading and storing its accumulator.
///
/// Shapes: rows [T, n], factors [R, n], out rows of stride `outStride` (≥ R).
public enum LowRankDots {
    public static func compute(
        rows: UnsafePointer<Float>, count: Int, factors: UnsafePointer<Float>, rank: Int,
        length n: Int, out: UnsafeMutablePointer<Float>, outStride: Int
    ) {
        var t = 0
        while t &+ 4 <= count {
            var k = 0
            while k &+ 4 <= rank {
                block4x4(rows + t &* n, factors + k &* n, n, out + t &* outStride + k, outStride)
                k &+= 4
            }
            while k < rank {
                for i in 0..<4 { out[(t &+ i) &* outStride &+ k] = dot(rows + (t &+ i) &* n, factors + k &* n, n) }
                k &+= 1
            }
            t &+= 4
        }
        while t < count {
            for k in 0..<rank { out[t &* outStride &+ k] = dot(rows + t &* n, factors + k &* n, n) }
            t &+= 1
        }
    }

    /// Reference: plain loops in Double.
    public static func reference(rows: [Float], count: Int, factors: [Float], rank: Int, length n: Int) -> [Float] {
        (0..<count).flatMap { t in
            (0..<rank).map { k in
                Float((0..<n).reduce(0.0) { $0 + Double(rows[t * n + $1]) * Double(factors[k * n + $1]) })
            }
        }
    }

    @inline(__always)
    static func block4x4(
        _ r: UnsafePointer<Float>, _ f: UnsafePointer<Float>, _ n: Int,
        _ out: UnsafeMutablePointer<Float>, _ outStride: Int
    ) {
        typealias V = SIMD16<Float>
        var c00 = V(), c01 = V(), c02 = V(), c03 = V()
        var c10 = V(), c11 = V(), c12 = V(), c13 = V()
        var c20 = V(), c21 = V(), c22 = V(), c23 = V()
        var c30 = V(), c31 = V(), c32 = V(), c33 = V()
        let n2 = n &* 2, n3 = n &* 3
        var j = 0
        while j &+ 16 <= n {
            let f0 = load(f + j), f1 = load(f + n + j), f2 = load(f + n2 + j), f3 = load(f + n3 + j)
            let r0 = load(r + j)
            c00 = c00.addingProduct(r0, f0); c01 = c01.addingProduct(r0, f1)
            c02 = c02.addingProduct(r0, f2); c03 = c03.addingProduct(r0, f3)
            let r1 = load(r + n + j)
            c10 = c10.addingProduct(r1, f0); c11 = c11.addingProduct(r1, f1)
            c12 = c12.addingProduct(r1, f2); c13 = c13.addingProduct(r1, f3)
            let r2 = load(r + n2 + j)
            c20 = c20.addingProduct(r2, f0); c21 = c21.addingProduct(r2, f1)
            c22 = c22.addingProduct(r2, f2); c23 = c23.addingProduct(r2, f3)
            let r3 = load(r + n3 + j)
            c30 = c30.addingProduct(r3, f0); c31 = c31.addingProduct(r3, f1)
            c32 = c32.addingProduct(r3, f2); c33 = c33.addingProduct(r3, f3)
            j &+= 16
        }
        let sums = (c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33)
        withUnsafeBytes(of: sums) { raw in
            let vectors = raw.bindMemory(to: V.self)
            for i in 0..<4 {
                for k in 0..<4 {
                    var s = vectors[i &* 4 &+ k].sum()
                    var jj = j
                    while jj < n {
                        s += r[i &* n &+ jj] * f[k &* n &+ jj]
                        jj &+= 1
                    }
                    out[i &* outStride &+ k] = s
                }
            }
        }
    }

    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = SIMD16<Float>()
        var j = 0
        while j &+ 16 <= n {
            acc = acc.addingProduct(load(a + j), load(b + j))
            j &+= 16
        }
        var s = acc.sum()
        while j < n {
            s += a[j] * b[j]
            j &+= 1
        }
        return s
    }

    @inline(__always)
    static func load(_ p: UnsafePointer<Float>) -> SIMD16<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self)
    }
}
