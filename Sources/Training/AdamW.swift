// AdamW (decoupled weight decay, Loshchilov & Hutter), the optimiser of moe-cl.md §3.

/// Settings of AdamW; the defaults are moe-cl.md's (lr 2e-4, weight decay 0.01) with PyTorch's betas and eps.
public struct AdamWConfig: Sendable, Equatable {
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
/// p ← p − lr·wd·p; m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²; p ← p − lr·(m / (1−β1ᵗ)) / (√(v / (1−β2ᵗ)) + ε).
public struct AdamW: Sendable {
    public let config: AdamWConfig
    public private(set) var step = 0
    private var first: [String: [Float]] = [:]
    private var second: [String: [Float]] = [:]

    public init(config: AdamWConfig = AdamWConfig()) {
        self.config = config
    }

    /// Starts step t + 1; call once before the parameter updates of a step.
    public mutating func beginStep() { step += 1 }

    /// Updates parameter `name` in place from its gradient.
    public mutating func update(_ name: String, parameters p: inout [Float], gradient g: [Float]) {
        precondition(step > 0, "call beginStep() first")
        precondition(p.count == g.count, "gradient size differs from the parameter's")
        var m = first[name] ?? [Float](repeating: 0, count: p.count)
        var v = second[name] ?? [Float](repeating: 0, count: p.count)
        let c = config
        let correction1 = 1 - pow(c.beta1, step), correction2 = 1 - pow(c.beta2, step)
        let decay = 1 - c.learningRate * c.weightDecay
        for i in p.indices {
            p[i] *= decay
            m[i] = c.beta1 * m[i] + (1 - c.beta1) * g[i]
            v[i] = c.beta2 * v[i] + (1 - c.beta2) * g[i] * g[i]
            p[i] -= c.learningRate * (m[i] / correction1) / ((v[i] / correction2).squareRoot() + c.epsilon)
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
