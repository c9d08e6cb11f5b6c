// Work buffers of one decoder forward pass, sized once for the batch.

/// Buffers for N tokens: normed input [N, d], query [N, d], key and value [N, Hk·h], attention context [N, d],
/// projection output [N, d], gate and up [N, f]. Freed by `deallocate`.
struct DecoderWorkspace {
    let normed, query, key, value, context, projected, gate, up: UnsafeMutablePointer<Float>

    init(tokens n: Int, config c: LlamaConfig) {
        func make(_ count: Int) -> UnsafeMutablePointer<Float> {
            let p = UnsafeMutablePointer<Float>.allocate(capacity: max(1, count))
            p.initialize(repeating: 0, count: max(1, count))
            return p
        }
        normed = make(n * c.hiddenSize)
        query = make(n * c.hiddenSize)
        key = make(n * c.keyValueSize)
        value = make(n * c.keyValueSize)
        context = make(n * c.hiddenSize)
        projected = make(n * c.hiddenSize)
        gate = make(n * c.intermediateSize)
        up = make(n * c.intermediateSize)
    }

    func deallocate() {
        for p in [normed, query, key, value, context, projected, gate, up] { p.deallocate() }
    }
}
