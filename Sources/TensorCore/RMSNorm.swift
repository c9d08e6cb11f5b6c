// RMSNorm over the last dimension (Llama): y = x / √(mean(x²) + eps) · weight.

import Foundation

/// Root-mean-square normalisation of rows, as Llama's `LlamaRMSNorm` computes it in float32.
///
/// Shapes: X, Y [M, D] row-major; weight [D].
public enum RMSNorm {
    /// Y[r] = X[r] · (1 / √(mean(X[r]²) + eps)) · weight.
    public static func forward(
        _ x: UnsafePointer<Float>, rows: Int, dim: Int, weight: UnsafePointer<Float>, eps: Float,
        into y: UnsafeMutablePointer<Float>
    ) {
        Parallel.forChunks(rows, cost: dim * 3) { range in
            for r in range {
                let xr = x + r * dim, yr = y + r * dim
                let meanSquare = VectorMath.dot(xr, xr, count: dim) / Float(dim)
                let inverse = 1 / (meanSquare + eps).squareRoot()
                for j in 0..<dim { yr[j] = weight[j] * (xr[j] * inverse) }
            }
        }
    }
}
