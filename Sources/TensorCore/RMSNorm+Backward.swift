// Backward of RMSNorm with respect to its input (the weight is frozen: the base model never trains).

extension RMSNorm {
    /// dx = inv · g − inv³ · x · mean(g · x), with g = dy · weight and inv = 1 / √(mean(x²) + eps), per row.
    ///
    /// Shapes: x, dy, dx [M, D]; weight [D]. dx may not alias x.
    public static func backward(
        input x: UnsafePointer<Float>, weight: UnsafePointer<Float>, eps: Float, gradient dy: UnsafePointer<Float>,
        into dx: UnsafeMutablePointer<Float>, rows: Int, dim n: Int
    ) {
        Parallel.forChunks(rows, cost: n * 6) { range in
            for r in range {
                let xr = x + r * n, dyr = dy + r * n, dxr = dx + r * n
                var squares = 0.0, gx = 0.0
                for i in 0..<n {
                    squares += Double(xr[i]) * Double(xr[i])
                    gx += Double(dyr[i]) * Double(weight[i]) * Double(xr[i])
                }
                let inv = 1 / (squares / Double(n) + Double(eps)).squareRoot()
                let correction = inv * inv * inv * gx / Double(n)
                for i in 0..<n {
                    dxr[i] = Float(inv * Double(dyr[i]) * Double(weight[i]) - correction * Double(xr[i]))
                }
            }
        }
    }
}
