// AdamW (decoupled weight decay, Loshchilov & Hutter), the optimiser of moe-cl.md §3.

/// Settings of AdamW; the defaults are moe-cl.md's (lr 2e-4, weight decay 0.01) with PyTorch's betas and eps.
public struct AdamWConfig: Sendable, Equatable, Codable {
    public var learningRate: Float = 2e-4
    public var beta1: Float = 0.9
    public var beta2: Float = 0.999
    public var epsilon: Float = 1e-8
    public var weightDecay: Float = 0.01

    public init() {}
}

/// One optimiser over named parameter tensors; a fresh one per task (moe-cl.md §3).
///
/// Per step t (from 1), for each parameter p with gradient g, as PyTorch's AdamW:
/// p ← p − lr·wd·p; m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²;
/// p ← p − lr·(m / (1−β1ᵗ)) / (√(v / (1−β2ᵗ)) + ε).
public struct AdamW: Sendable {
    public let config: AdamWConfig
    public private(set) var step = 0
    /// First and second moments by parameter name.
    public private(set) var first: [String: [Float]] = [:]
    public private(set) var second: [String: [Float]] = [:]

    public init(config: AdamWConfig = AdamWConfig()) {
        self.config = config
    }

    /// An optimiser resumed from saved state (a checkpoint).
    public init(config: AdamWConfig, step: Int, first: [String: [Float]], second: [String: [Float]]) {
        self.config = config
        self.step = step
        self.first = first
        self.second = second
    }

    /// Starts step t + 1; call once before the parameter updates of a step.
    public mutating func beginStep() { step += 1 }

    /// Updates parameter `name` in place from its gradient.
    public mutating func update(_ name: String, parameters p: inout [Float], gradient g: [Float]) {
        precondition(p.count == g.count, "gradient size differs from the parameter's")
        let count = p.count
        p.withUnsafeMutableBufferPointer { pb in
            g.withUnsafeBufferPointer { gb in
                update(name, value: pb.baseAddress!, gradient: gb.baseAddress!, count: count)
            }
        }
    }

    /// Updates a trainable `Parameter` in place from its gradient buffer, with the learning rate (and so the
    /// decoupled weight decay) multiplied by `learningRateScale`.
    public mutating func update(_ parameter: Parameter, learningRateScale: Float = 1) {
        update(
            parameter.name, value: parameter.value, gradient: parameter.gradient, count: parameter.count,
            learningRateScale: learningRateScale)
    }

    /// Updates `count` values at `p` from the gradient at `g`.
    public mutating func update(
        _ name: String, value p: UnsafeMutablePointer<Float>, gradient g: UnsafePointer<Float>,
        count: Int, learningRateScale: Float = 1
    ) {
        precondition(step > 0, "call beginStep() first")
        var m = first.removeValue(forKey: name) ?? [Float](repeating: 0, count: count)
        var v = second.removeValue(forKey: name) ?? [Float](repeating: 0, count: count)
        precondition(m.count == count, "parameter '\(name)' changed size")
        let c = config
        let correction1 = 1 - pow(c.beta1, step), correction2 = 1 - pow(c.beta2, step)
        let lr = c.learningRate * learningRateScale
        let decay = 1 - lr * c.weightDecay
        let b1 = c.beta1, b2 = c.beta2, eps = c.epsilon
        m.withUnsafeMutableBufferPointer { mb in
            v.withUnsafeMutableBufferPointer { vb in
                for i in 0..<count {
                    let gi = g[i]
                    p[i] *= decay
                    mb[i] = b1 * mb[i] + (1 - b1) * gi
                    vb[i] = b2 * vb[i] + (1 - b2) * gi * gi
                    p[i] -= lr * (mb[i] / correction1) / ((vb[i] / correction2).squareRoot() + eps)
                }
            }
        }
        first[name] = m
        second[name] = v
    }

    private func pow(_ base: Float, _ exponent: Int) -> Float {
        var result: Float = 1
        for _ in 0..<exponent { result *= base }
        return result
    }
}
