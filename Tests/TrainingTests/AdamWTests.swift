// AdamW against the update rule written out in Double, and convergence on a quadratic.

import Foundation
import Testing
import Training

@Suite("AdamW")
struct AdamWTests {
    @Test func matchesTheUpdateRuleStepByStep() {
        var config = AdamWConfig()
        config.learningRate = 0.1
        config.weightDecay = 0.05
        var optimizer = AdamW(config: config)
        var p: [Float] = [1.0, -2.0, 0.5]
        var ref = p.map(Double.init), m = [0.0, 0.0, 0.0], v = [0.0, 0.0, 0.0]
        let gradients: [[Float]] = [[0.3, -0.1, 0.0], [0.2, 0.4, -0.5], [-0.1, 0.1, 0.2]]
        for (t, g) in gradients.enumerated() {
            optimizer.beginStep()
            optimizer.update("w", parameters: &p, gradient: g)
            let step = Double(t + 1)
            for i in 0..<3 {
                ref[i] *= 1 - 0.1 * 0.05
                m[i] = 0.9 * m[i] + 0.1 * Double(g[i])
                v[i] = 0.999 * v[i] + 0.001 * Double(g[i]) * Double(g[i])
                let mHat = m[i] / (1 - Foundation.pow(0.9, step)), vHat = v[i] / (1 - Foundation.pow(0.999, step))
                ref[i] -= 0.1 * mHat / (vHat.squareRoot() + 1e-8)
            }
            for i in 0..<3 { #expect(abs(Double(p[i]) - ref[i]) < 1e-5) }
        }
        #expect(optimizer.step == 3)
    }

    @Test func minimisesAQuadratic() {
        var config = AdamWConfig()
        config.learningRate = 0.05
        config.weightDecay = 0
        var optimizer = AdamW(config: config)
        var p: [Float] = [3, -4]
        for _ in 0..<500 {
            optimizer.beginStep()
            optimizer.update("p", parameters: &p, gradient: [2 * (p[0] - 1), 2 * (p[1] + 2)])
        }
        #expect(abs(p[0] - 1) < 1e-2 && abs(p[1] + 2) < 1e-2)
    }
}
