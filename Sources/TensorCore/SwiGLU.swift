// The SwiGLU gate of Llama's feed-forward: silu(gate) · up.

import Foundation

/// A[r, j] = silu(G[r, j]) · U[r, j], silu(x) = x / (1 + e^(−x)), in place over G.
public enum SwiGLU {
    public static func forwardInPlace(
        gate: UnsafeMutablePointer<Float>, up: UnsafePointer<Float>, count: Int
    ) {
        Parallel.forChunks(count / 1024 + 1, cost: 1024 * 8) { range in
            for chunk in range {
                let start = chunk * 1024, end = min(count, start + 1024)
                var i = start
                while i < end {
                    let g = gate[i]
                    gate[i] = g / (1 + exp(-g)) * up[i]
                    i += 1
                }
            }
        }
    }
}
