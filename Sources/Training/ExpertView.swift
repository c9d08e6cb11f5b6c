// Raw pointers to one expert's adapters in one layer, with gradient pointers when the expert is being trained.

/// Shapes (R rank): upA [R, d], upBT [R, f], downA [R, f], downBT [R, d]; on a gated unit also linearA [R, d],
/// linearBT [R, f] (the W3 adapter); gradients alike.
struct ExpertView {
    typealias Adapter = (a: UnsafePointer<Float>, bt: UnsafePointer<Float>)
    typealias AdapterGradient = (a: UnsafeMutablePointer<Float>, bt: UnsafeMutablePointer<Float>)

    let up: Adapter, down: Adapter
    let linear: Adapter?
    let rank: Int
    let scale: Float
    /// Gradient buffers, or nil when this expert is frozen in this step.
    let grads: (up: AdapterGradient, down: AdapterGradient, linear: AdapterGradient?)?

    init(_ lora: LoRAParameters, layer l: Int, trainable: Bool) {
        let p = lora.layers[l]
        func view(_ a: Parameter, _ bt: Parameter) -> Adapter { (UnsafePointer(a.value), UnsafePointer(bt.value)) }
        func gradient(_ a: Parameter, _ bt: Parameter) -> AdapterGradient { (a.gradient, bt.gradient) }
        up = view(p.upA, p.upBT)
        down = view(p.downA, p.downBT)
        linear = p.linear.map { view($0.a, $0.bt) }
        rank = lora.rank
        scale = lora.scale
        grads =
            trainable
            ? (gradient(p.upA, p.upBT), gradient(p.downA, p.downBT), p.linear.map { gradient($0.a, $0.bt) }) : nil
    }
}
