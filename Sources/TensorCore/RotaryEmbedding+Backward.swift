// Backward of RoPE: each pair's rotation is orthogonal, so its gradient is the rotation by the opposite angle.

import Foundation

extension RotaryEmbedding {
    /// dx ← Rᵀ · dy in place for rows at `positions` (the inverse rotation of `apply`).
    public func backward(
        _ gradient: UnsafeMutablePointer<Float>, rows: Int, stride: Int, heads: Int, positions: UnsafePointer<Int32>
    ) {
        Parallel.forChunks(rows, cost: heads * dimensions * 8) { range in
            for r in range {
                let p = Float(positions[r])
                for h in 0..<heads {
                    let v = gradient + r * stride + h * headSize
                    for i in 0..<(dimensions / 2) {
                        let angle = p * inverseFrequencies[i]
                        let c = cos(angle), s = sin(angle)
                        let a = v[2 * i], b = v[2 * i + 1]
                        v[2 * i] = a * c + b * s
                        v[2 * i + 1] = -a * s + b * c
                    }
                }
            }
        }
    }
}
