// The frozen parts of a base network around each FFN, as training steps through them: the one place where the
// BERT encoder and the Llama decoder differ in training (the MoE-CL FFN, heads and discriminators are shared).

import Transformer

/// The frozen steps of one base family, forward with what their backward needs (in the layer's tape) and
/// backward to their inputs. N tokens, d hidden; x is the residual stream [N, d].
///
/// Per layer l: `beforeFeedForward` turns the layer's input x into the FFN input tape.x1; the MoE-CL FFN makes
/// y; `afterFeedForward` turns (x, tape, y) into the layer's output in x. After the last layer `finish` makes the
/// final states the heads read.
protocol FrozenBlocks {
    /// Writes the first layer's input rows for the batch's tokens.
    func embed(_ batch: PackedBatch, into x: UnsafeMutablePointer<Float>)

    /// Fills tape.x1 from the layer input x (x itself is left unchanged).
    func beforeFeedForward(
        layer l: Int, x: UnsafeMutablePointer<Float>, batch: PackedBatch, tape: LayerTape, work: StepWorkspace)

    /// x ← the layer's output, from tape.x1 and y = the FFN's output without its output bias.
    func afterFeedForward(
        layer l: Int, x: UnsafeMutablePointer<Float>, y: UnsafePointer<Float>, rows: Int, tape: LayerTape)

    /// x ← the final states from the last layer's output (saving what `finishBackward` needs in `work`).
    func finish(_ x: UnsafeMutablePointer<Float>, rows: Int, work: StepWorkspace)

    /// dx ← the gradient at the last layer's output, from the gradient at the final states.
    func finishBackward(_ dx: UnsafeMutablePointer<Float>, rows: Int, work: StepWorkspace)

    /// From dOut (at the layer's output) writes dy (at the FFN's output) and the part of dx1 (at the FFN's input)
    /// that bypasses the FFN.
    func afterFeedForwardBackward(
        layer l: Int, dOut: UnsafePointer<Float>, dy: UnsafeMutablePointer<Float>,
        dx1: UnsafeMutablePointer<Float>, rows: Int, tape: LayerTape)

    /// dOut ← the gradient at the layer's input, from dOut and the complete dx1.
    func beforeFeedForwardBackward(
        layer l: Int, dOut: UnsafeMutablePointer<Float>, dx1: UnsafePointer<Float>, batch: PackedBatch,
        tape: LayerTape, work: StepWorkspace)
}

/// The training steps for `backbone`'s family.
func frozenBlocks(_ backbone: any Backbone) -> any FrozenBlocks {
    switch backbone {
    case let encoder as BertEncoder: return BertBlocks(encoder: encoder)
    case let decoder as LlamaDecoder: return LlamaBlocks(decoder: decoder)
    default: preconditionFailure("no training steps for a \(backbone.shape.family.rawValue) base")
    }
}
