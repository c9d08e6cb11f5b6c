// The activations one layer saves in the training forward pass for its backward pass.

import Transformer

/// Saved tensors of one layer (N tokens, S sequences, d hidden, f intermediate, R rank; slot k = 0 shared, 1 task
/// in gated mixing, else the single expert).
///
/// Frozen block, BERT: qkv [N, 3d]; r1 [N, d] (first LayerNorm's input); r2 [N, d] (second LayerNorm's input).
/// Frozen block, Llama: `attention` (the attention sub-layer's saved tensors; its `middle` is the FFN norm's input).
///
/// MoE-CL FFN: x1 [N, d] (FFN input); gate [N, 2]; u[k] [N, f] (W1 pre-activation with the expert's update);
/// z[k] [N, R] = A1·drop(x1); h[k] [N, f] = GELU(u[k]), or silu(u[k]) ⊙ v[k] on a gated unit, with
/// v[k] [N, f] the W3 projection with its update and z3[k] [N, R] = A3·drop(x1); w[k] [N, R] = A2·drop(h[k]);
/// discH [S, f], discW [S, R]: the reversed discriminator gradient reaching the mean of h[0] and w[0].
final class LayerTape {
    let qkv = ScratchBuffer(), r1 = ScratchBuffer(), x1 = ScratchBuffer(), gate = ScratchBuffer()
    let u = [ScratchBuffer(), ScratchBuffer()], h = [ScratchBuffer(), ScratchBuffer()]
    let z = [ScratchBuffer(), ScratchBuffer()], w = [ScratchBuffer(), ScratchBuffer()]
    let v = [ScratchBuffer(), ScratchBuffer()], z3 = [ScratchBuffer(), ScratchBuffer()]
    let r2 = ScratchBuffer(), discH = ScratchBuffer(), discW = ScratchBuffer()
    var attention: LlamaTape.Attention?
    /// Whether discH / discW hold a gradient for this step.
    var hasDiscriminatorGradient = false
}
