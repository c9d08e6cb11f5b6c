// Backward of the row softmax: dx = y ⊙ (dy − ⟨dy, y⟩) per row.

extension Softmax {
    /// dx = y ⊙ (dy − Σ_j dy_j·y_j) for each row of the softmax output `y`; dx may alias dy.
    ///
    /// Shapes: y, dy, dx [M, N] with row stride `stride`.
    public static func backwardRows(
        output y: UnsafePointer<Float>, gradient dy: UnsafePointer<Float>,
        into dx: UnsafeMutablePointer<Float>, rows: Int, columns n: Int, stride: Int
    ) {
        for r in 0..<rows {
            let yr = y + r * stride, dyr = dy + r * stride, dxr = dx + r * stride
            var dot: Float = 0
            for j in 0..<n { dot += dyr[j] * yr[j] }
            for j in 0..<n { dxr[j] = yr[j] * (dyr[j] - dot) }
        }
    }
}
