// The activations one layer saves in the training forward pass for its backward pass.

/// Saved tensors of one layer (N tokens, S sequences, d hidden, f intermediate, R rank; slot k = 0 shared, 1 task
/// in gated mixing, else the single expert):
/// qkv [N, 3d]; r1 [N, d] (first LayerNorm's input); x1 [N, d] (FFN input); gate [N, 2];
/// u[k] [N, f] (pre-activation with the expert's update); h[k] [N, f] = GELU(u[k]); z[k] [N, R] = A1·drop(x1);
/// w[k] [N, R] = A2·drop(h[k]); r2 [N, d] (second LayerNorm's input);
/// discH [S, f], discW [S, R]: the reversed discriminator gradient reaching the mean of h[0] and w[0].
final class LayerTape {
    let qkv = ScratchBuffer(), r1 = ScratchBuffer(), x1 = ScratchBuffer(), gate = ScratchBuffer()
    let u = [ScratchBuffer(), ScratchBuffer()], h = [ScratchBuffer(), ScratchBuffer()]
    let z = [ScratchBuffer(), ScratchBuffer()], w = [ScratchBuffer(), ScratchBuffer()]
    let r2 = ScratchBuffer(), discH = ScratchBuffer(), discW = ScratchBuffer()
    /// Whether discH / discW hold a gradient for this step.
    var hasDiscriminatorGradient = false
}
