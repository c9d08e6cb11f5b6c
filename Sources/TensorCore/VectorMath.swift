// Vectorised exp and erf on SIMD16<Float>, exp to 2e-7 relative, erf to 4e-7 absolute, for GELU and softmax.

/// Element-wise transcendental functions on 16 lanes.
///
/// `exp`: range reduction `x = n·ln2 + r`, |r| ≤ ln2/2, a degree-7 Taylor polynomial, scaling by 2^n through
/// the exponent bits; relative error below 2e-7 on [-87, 88]; `x < -87.3` gives 0.
/// `erf`: `erfc(z) = t·exp(-z² + P(t))`, `t = 1/(1 + z/2)` (the Chebyshev fit of Numerical Recipes §6.2,
/// fractional error below 1.2e-7 for all z ≥ 0), then `erf = sign(x)·(1 − erfc(|x|))`.
public enum VectorMath {
    public typealias V = SIMD16<Float>

    @_transparent  // forced inline (see GELU.simd)
    public static func exp(_ x: V) -> V {
        let lower = V(repeating: -87.3), upper = V(repeating: 88.3)
        let clamped = x.replacing(with: lower, where: x .< lower).replacing(with: upper, where: x .> upper)
        // Round x·log2(e) to an integer with the 1.5·2²³ trick: adding it leaves the rounded integer in the
        // low mantissa bits, which also gives n as an Int32 without a (slow, generic) SIMD conversion.
        let magic = V(repeating: 12_582_912)
        let shifted = clamped * V(repeating: 1.442_695_040_888_963_4) + magic
        let n = shifted - magic
        // r = x - n·ln2 in two steps (Cody–Waite) to keep r exact.
        var r = clamped.addingProduct(n, V(repeating: -0.693_145_751_953_125))
        r = r.addingProduct(n, V(repeating: -1.428_606_765_330_187e-06))
        var p = V(repeating: 1.0 / 5040.0)
        p = V(repeating: 1.0 / 720.0).addingProduct(p, r)
        p = V(repeating: 1.0 / 120.0).addingProduct(p, r)
        p = V(repeating: 1.0 / 24.0).addingProduct(p, r)
        p = V(repeating: 1.0 / 6.0).addingProduct(p, r)
        p = V(repeating: 0.5).addingProduct(p, r)
        p = V(repeating: 1.0).addingProduct(p, r)
        p = V(repeating: 1.0).addingProduct(p, r)
        let integer = unsafeBitCast(shifted, to: SIMD16<Int32>.self) &- 0x4B40_0000
        let scale = unsafeBitCast((integer &+ 127) &<< 23, to: V.self)
        var result = p * scale
        result.replace(with: 0, where: x .< V(repeating: -87.3))
        return result
    }

    @_transparent  // forced inline (see GELU.simd)
    public static func erf(_ x: V) -> V {
        let z = unsafeBitCast(unsafeBitCast(x, to: SIMD16<UInt32>.self) & 0x7FFF_FFFF, to: V.self)
        let tt = V(repeating: 1) / (V(repeating: 1) + V(repeating: 0.5) * z)
        var p = V(repeating: 0.170_872_77)
        p = V(repeating: -0.822_152_23).addingProduct(p, tt)
        p = V(repeating: 1.488_515_87).addingProduct(p, tt)
        p = V(repeating: -1.135_203_98).addingProduct(p, tt)
        p = V(repeating: 0.278_868_07).addingProduct(p, tt)
        p = V(repeating: -0.186_288_06).addingProduct(p, tt)
        p = V(repeating: 0.096_784_18).addingProduct(p, tt)
        p = V(repeating: 0.374_091_96).addingProduct(p, tt)
        p = V(repeating: 1.000_023_68).addingProduct(p, tt)
        p = V(repeating: -1.265_512_23).addingProduct(p, tt)
        let erfc = tt * exp(p - z * z)
        let magnitude = V(repeating: 1) - erfc
        return magnitude.replacing(with: V(repeating: 0) - magnitude, where: x .< 0)
    }

    /// Σ a[i]·b[i] with four vector accumulators.
    @inlinable
    public static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        typealias V = SIMD16<Float>
        @inline(__always) func load(_ p: UnsafePointer<Float>) -> V { UnsafeRawPointer(p).loadUnaligned(as: V.self) }
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
}
