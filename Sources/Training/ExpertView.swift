// Raw pointers to one expert's adapters in one layer, with gradient pointers when the expert is being trained.

/// Shapes (R rank): upA [R, d], upBT [R, f], downA [R, f], downBT [R, d]; gradients alike.
struct ExpertView {
    let upA: UnsafePointer<Float>, upBT: UnsafePointer<Float>, downA: UnsafePointer<Float>, downBT: UnsafePointer<Float>
    let rank: Int
    let scale: Float
    /// Gradient buffers, or nil when this expert is frozen in this step.
    let grads:
        (
            upA: UnsafeMutablePointer<Float>, upBT: UnsafeMutablePointer<Float>,
            downA: UnsafeMutablePointer<Float>, downBT: UnsafeMutablePointer<Float>
        )?

    init(_ lora: LoRAParameters, layer l: Int, trainable: Bool) {
        let p = lora.layers[l]
        upA = UnsafePointer(p.upA.value)
        upBT = UnsafePointer(p.upBT.value)
        downA = UnsafePointer(p.downA.value)
        downBT = UnsafePointer(p.downBT.value)
        rank = lora.rank
        scale = lora.scale
        grads = trainable ? (p.upA.gradient, p.upBT.gradient, p.downA.gradient, p.downBT.gradient) : nil
    }
}
