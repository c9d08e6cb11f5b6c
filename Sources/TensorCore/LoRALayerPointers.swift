// Raw pointers to one LoRA expert's factors in one FFN layer, in the layout the MoE kernels read.

/// One expert's two adapters in one layer: `up` adapts W1 (d → f), `down` adapts W2 (f → d).
///
/// Shapes (R rank, d hidden, f intermediate), every matrix row-major with rows of length `in` or `out`:
/// upA [R, d], upBT [R, f] (B1 transposed), downA [R, f], downBT [R, d] (B2 transposed).
/// The pointers must stay valid while a kernel runs (the owner holds the `FloatStorage`).
public struct LoRALayerPointers: @unchecked Sendable {
    public var upA: UnsafePointer<Float>
    public var upBT: UnsafePointer<Float>
    public var downA: UnsafePointer<Float>
    public var downBT: UnsafePointer<Float>
    public var rank: Int
    /// alpha / rank.
    public var scale: Float

    public init(
        upA: UnsafePointer<Float>, upBT: UnsafePointer<Float>, downA: UnsafePointer<Float>,
        downBT: UnsafePointer<Float>, rank: Int, scale: Float
    ) {
        self.upA = upA
        self.upBT = upBT
        self.downA = downA
        self.downBT = downBT
        self.rank = rank
        self.scale = scale
    }
}
