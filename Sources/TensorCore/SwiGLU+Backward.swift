// Backward of the SwiGLU gate a = silu(g) · u.

import Foundation

extension SwiGLU {
    /// dg = da · u · silu′(g), du = da · silu(g), with silu′(g) = σ(g) · (1 + g · (1 − σ(g))).
    public static func backward(
        gate g: UnsafePointer<Float>, up u: UnsafePointer<Float>, gradient da: UnsafePointer<Float>,
        gateGradient dg: UnsafeMutablePointer<Float>, upGradient du: UnsafeMutablePointer<Float>, count: Int
    ) {
        for i in 0..<count {
            let sigma = 1 / (1 + exp(-g[i]))
            du[i] = da[i] * g[i] * sigma
            dg[i] = da[i] * u[i] * sigma * (1 + g[i] * (1 - sigma))
        }
    }
}
