// LayerNorm over the last dimension with fused residual and bias, vectorised, and its plain reference.

/// y = (x − mean) / √(var + eps) · gamma + beta over each row (biased variance, as PyTorch).
///
/// Shapes: X, R [M, D] row-major; bias, gamma, beta [D].
public enum LayerNorm {
    /// X ← LayerNorm(X + R + bias) in place; `residual` and `bias` are optional.
    public static func forwardInPlace(
        _ x: UnsafeMutablePointer<Float>, rows: Int, dim: Int,
        residual: UnsafePointer<Float>?, bias: UnsafePointer<Float>?,
        gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, eps: Float
    ) {
        Parallel.forChunks(rows, cost: dim * 4) { range in
            for r in range {
                row(
                    x + r * dim, dim: dim, residual: residual.map { $0 + r * dim }, bias: bias, gamma: gamma,
                    beta: beta, eps: eps)
            }
        }
    }

    @inline(__always)
    static func row(
        _ x: UnsafeMutablePointer<Float>, dim n: Int, residual: UnsafePointer<Float>?,
        bias: UnsafePointer<Float>?, gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
        eps: Float
    ) {
        typealias V = SIMD16<Float>
        // Pass 1: x += residual + bias, and the sum.
        var sumV = V(repeating: 0)
        var sum: Float = 0
        var i = 0
        while i + 16 <= n {
            var v = UnsafeRawPointer(x + i).loadUnaligned(as: V.self)
            if let residual { v += UnsafeRawPointer(residual + i).loadUnaligned(as: V.self) }
            if let bias { v += UnsafeRawPointer(bias + i).loadUnaligned(as: V.self) }
            UnsafeMutableRawPointer(x + i).storeBytes(of: v, as: V.self)
            sumV += v
            i += 16
        }
        while i < n {
            x[i] += (residual?[i] ?? 0) + (bias?[i] ?? 0)
            sum += x[i]
            i += 1
        }
        let mean = (sum + sumV.sum()) / Float(n)
        // Pass 2: variance around the mean (two-pass for accuracy).
        let meanV = V(repeating: mean)
        var varV = V(repeating: 0)
        var variance: Float = 0
        i = 0
        while i + 16 <= n {
            let d = UnsafeRawPointer(x + i).loadUnaligned(as: V.self) - meanV
            varV = varV.addingProduct(d, d)
            i += 16
        }
        while i < n {
            let d = x[i] - mean
            variance += d * d
            i += 1
        }
        let inv = 1 / (((variance + varV.sum()) / Float(n)) + eps).squareRoot()
        // Pass 3: normalise, scale, shift.
        let invV = V(repeating: inv)
        i = 0
        while i + 16 <= n {
            let v = UnsafeRawPointer(x + i).loadUnaligned(as: V.self)
            let g = UnsafeRawPointer(gamma + i).loadUnaligned(as: V.self)
            let b = UnsafeRawPointer(beta + i).loadUnaligned(as: V.self)
            UnsafeMutableRawPointer(x + i).storeBytes(of: (v - meanV) * invV * g + b, as: V.self)
            i += 16
        }
        while i < n {
            x[i] = (x[i] - mean) * inv * gamma[i] + beta[i]
            i += 1
        }
    }

    /// Reference LayerNorm of one row in Double precision.
    public static func reference(_ x: [Float], gamma: [Float], beta: [Float], eps: Float) -> [Float] {
        let n = Double(x.count)
        let mean = x.reduce(0.0) { $0 + Double($1) } / n
        let variance = x.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / n
        let inv = 1 / (variance + Double(eps)).squareRoot()
        return x.indices.map { Float((Double(x[$0]) - mean) * inv * Double(gamma[$0]) + Double(beta[$0])) }
    }
}
