// LayerNorm over the last dimension with fused residual and bias (the active CKernels path), and its plain
// reference.

import CKernels

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
                moecl_layernorm_row(x + r * dim, dim, residual.map { $0 + r * dim }, bias, gamma, beta, eps)
            }
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
