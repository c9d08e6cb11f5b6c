// Backward of the exact GELU: dX = dY · GELU'(X), GELU'(x) = Φ(x) + x·φ(x).

import CKernels
import Foundation

extension GELU {
    /// dx[i] = dy[i] · (Φ(u[i]) + u[i]·φ(u[i])) for the pre-activations `u` (bias already added); dx may alias dy.
    ///
    /// Shapes: u, dy, dx [count].
    public static func backward(
        preactivation u: UnsafePointer<Float>, gradient dy: UnsafePointer<Float>,
        into dx: UnsafeMutablePointer<Float>, count n: Int
    ) {
        moecl_gelu_backward(u, dy, dx, n)
    }

    /// GELU'(x) = Φ(x) + x·φ(x) with libm (reference and tails).
    public static func derivative(_ x: Float) -> Float {
        let cdf = 0.5 * (1 + Foundation.erf(x * 0.707_106_781_186_547_5))
        let pdf = Foundation.exp(-0.5 * x * x) * 0.398_942_280_401_432_7
        return cdf + x * pdf
    }
}
