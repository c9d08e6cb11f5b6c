// Training steps through the frozen parts of a Llama block: pre-norm attention and the FFN's RMSNorm before the
// FFN, the residual after it, and the final RMSNorm after the last block.

import TensorCore
import Transformer

/// Block l: middle = x + Attention(RMSNorm(x)), x1 = RMSNorm(middle)·w_ffn; FFN y; out = middle + y.
/// After the last block: final = RMSNorm(out)·w_final.
struct LlamaBlocks: FrozenBlocks {
    let decoder: LlamaDecoder
    var config: LlamaConfig { decoder.config }

    func embed(_ batch: PackedBatch, into x: UnsafeMutablePointer<Float>) { decoder.embed(batch, into: x) }

    func beforeFeedForward(
        layer l: Int, x: UnsafeMutablePointer<Float>, batch: PackedBatch, tape: LayerTape, work: StepWorkspace
    ) {
        let n = batch.tokenCount, d = config.hiddenSize
        let saved = decoder.attentionForward(
            layer: l, input: Array(UnsafeBufferPointer(start: x, count: n * d)), batch: batch)
        tape.attention = saved
        let x1 = tape.x1.reserve(n * d)
        saved.middle.withUnsafeBufferPointer { middle in
            decoder.layers[l].feedForwardNorm.withUnsafeBufferPointer { w in
                RMSNorm.forward(
                    middle.baseAddress!, rows: n, dim: d, weight: w.baseAddress!, eps: config.rmsEps, into: x1)
            }
        }
    }

    func afterFeedForward(
        layer l: Int, x: UnsafeMutablePointer<Float>, y: UnsafePointer<Float>, rows n: Int, tape: LayerTape
    ) {
        tape.attention!.middle.withUnsafeBufferPointer { middle in
            for i in 0..<(n * config.hiddenSize) { x[i] = middle[i] + y[i] }
        }
    }

    func finish(_ x: UnsafeMutablePointer<Float>, rows n: Int, work: StepWorkspace) {
        let count = n * config.hiddenSize
        let saved = work.finalInput.reserve(count)
        saved.update(from: x, count: count)
        decoder.finalNorm.withUnsafeBufferPointer { w in
            RMSNorm.forward(
                saved, rows: n, dim: config.hiddenSize, weight: w.baseAddress!, eps: config.rmsEps, into: x)
        }
    }

    func finishBackward(_ dx: UnsafeMutablePointer<Float>, rows n: Int, work: StepWorkspace) {
        let count = n * config.hiddenSize
        let dFinal = work.tempD.reserve(count)
        dFinal.update(from: dx, count: count)
        decoder.finalNorm.withUnsafeBufferPointer { w in
            RMSNorm.backward(
                input: work.finalInput.pointer, weight: w.baseAddress!, eps: config.rmsEps, gradient: dFinal,
                into: dx, rows: n, dim: config.hiddenSize)
        }
    }

    /// out = middle + y: dy = dOut, and nothing reaches x1 except through the FFN.
    func afterFeedForwardBackward(
        layer l: Int, dOut: UnsafePointer<Float>, dy: UnsafeMutablePointer<Float>,
        dx1: UnsafeMutablePointer<Float>, rows n: Int, tape: LayerTape
    ) {
        let count = n * config.hiddenSize
        dy.update(from: dOut, count: count)
        dx1.initialize(repeating: 0, count: count)
    }

    /// dMiddle = dOut + RMSNorm′(middle)·dx1, then back through the attention sub-layer.
    func beforeFeedForwardBackward(
        layer l: Int, dOut: UnsafeMutablePointer<Float>, dx1: UnsafePointer<Float>, batch: PackedBatch,
        tape: LayerTape, work: StepWorkspace
    ) {
        let n = batch.tokenCount, count = n * config.hiddenSize, saved = tape.attention!
        var dMiddle = [Float](repeating: 0, count: count)
        saved.middle.withUnsafeBufferPointer { middle in
            decoder.layers[l].feedForwardNorm.withUnsafeBufferPointer { w in
                dMiddle.withUnsafeMutableBufferPointer { dm in
                    RMSNorm.backward(
                        input: middle.baseAddress!, weight: w.baseAddress!, eps: config.rmsEps, gradient: dx1,
                        into: dm.baseAddress!, rows: n, dim: config.hiddenSize)
                    for i in 0..<count { dm[i] += dOut[i] }
                }
            }
        }
        let dx = decoder.attentionBackward(layer: l, gradient: dMiddle, saved: saved, batch: batch)
        dx.withUnsafeBufferPointer { dOut.update(from: $0.baseAddress!, count: count) }
    }
}
