// Backward of LayerNorm with respect to its input (gamma and beta are frozen in this project).

extension LayerNorm {
    /// dx = inv · (g − mean(g) − x̂ · mean(g · x̂)) with g = dy · gamma, x̂ = (x − mean) · inv, per row;
    /// `x` is the LayerNorm's input (residual and bias already added). dx may alias dy.
    ///
    /// Shapes: x, dy, dx [M, D]; gamma [D].
    public static func backward(
        input x: UnsafePointer<Float>, gamma: UnsafePointer<Float>, eps: Float,
        gradient dy: UnsafePointer<Float>, into dx: UnsafeMutablePointer<Float>,
        rows: Int, dim n: Int
    ) {
        Parallel.forChunks(rows, cost: n * 8) { range in
            for r in range {
                let xr = x + r * n, dyr = dy + r * n, dxr = dx + r * n
                var mean = 0.0
                for i in 0..<n { mean += Double(xr[i]) }
                mean /= Double(n)
                var variance = 0.0
                for i in 0..<n { variance += (Double(xr[i]) - mean) * (Double(xr[i]) - mean) }
                let inv = 1 / (variance / Double(n) + Double(eps)).squareRoot()
                var meanG = 0.0, meanGX = 0.0
                for i in 0..<n {
                    let g = Double(dyr[i]) * Double(gamma[i])
                    meanG += g
                    meanGX += g * (Double(xr[i]) - mean) * inv
                }
                meanG /= Double(n)
                meanGX /= Double(n)
                for i in 0..<n {
                    let g = Double(dyr[i]) * Double(gamma[i]), xhat = (Double(xr[i]) - mean) * inv
                    dxr[i] = Float(inv * (g - meanG - xhat * meanGX))
                }
            }
        }
    }
}
