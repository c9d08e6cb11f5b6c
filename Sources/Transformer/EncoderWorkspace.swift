// Scratch buffers for one forward pass, sized for its batch.

import TensorCore

/// Work buffers of one forward pass (uninitialised memory; every kernel writes before it reads).
///
/// Shapes: qkv [N, 3d], context [N, d], attention [N, d], intermediate [N, f]; `longest` bounds T for the
/// per-thread score matrices [T, T].
struct EncoderWorkspace {
    let qkv: UnsafeMutablePointer<Float>
    let context: UnsafeMutablePointer<Float>
    let attention: UnsafeMutablePointer<Float>
    let intermediate: UnsafeMutablePointer<Float>
    let longest: Int

    init(tokens n: Int, config: BertConfig, longest: Int) {
        let d = config.hiddenSize
        qkv = .allocate(capacity: max(1, n * 3 * d))
        context = .allocate(capacity: max(1, n * d))
        attention = .allocate(capacity: max(1, n * d))
        intermediate = .allocate(capacity: max(1, n * config.intermediateSize))
        self.longest = longest
    }

    func deallocate() {
        qkv.deallocate()
        context.deallocate()
        attention.deallocate()
        intermediate.deallocate()
    }
}
