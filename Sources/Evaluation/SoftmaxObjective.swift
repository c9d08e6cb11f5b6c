// The regularised multinomial cross-entropy objective and its gradient, evaluated in deterministic chunks.

import Foundation

/// Mean cross-entropy of a linear softmax model plus `(l2/2)·‖W‖²`, over standardised features.
///
/// Parameters are one flat vector: the weights `[C, p]` row by row (`p` is the feature dimension
/// padded to a multiple of 4, padding weights stay 0), then the `C` biases. Samples are processed
/// in fixed chunks, possibly on several threads, and the chunk sums are added in chunk order, so
/// the value and gradient do not depend on scheduling.
struct SoftmaxObjective: Sendable {
    typealias Lanes = SIMD4<Double>
    /// Samples per chunk of work.
    static let chunkSize = 128

    let samples: Int
    let classes: Int
    /// Padded dimension divided by 4.
    let lanes: Int
    /// Features `[n, p]` as `lanes` SIMD4 vectors per sample.
    let features: [Lanes]
    let labels: [Int]
    let l2: Double

    /// Number of parameters: `C·p + C`.
    var parameterCount: Int { classes * lanes * 4 + classes }

    init(standardised rows: [[Double]], labels: [Int], classes: Int, dimension: Int, l2: Double) {
        samples = rows.count
        self.classes = classes
        lanes = (dimension + 3) / 4
        self.labels = labels
        self.l2 = l2
        var packed = [Lanes](repeating: .zero, count: rows.count * lanes)
        for (i, row) in rows.enumerated() {
            for k in 0..<dimension { packed[i * lanes + k / 4][k % 4] = row[k] }
        }
        features = packed
    }

    /// The objective at `parameters`, with its gradient written to `gradient`.
    func evaluate(_ parameters: [Double], gradient: inout [Double]) -> Double {
        let width = lanes * 4
        var weights = [Lanes](repeating: .zero, count: classes * lanes)
        for index in 0..<(classes * width) { weights[index / 4][index % 4] = parameters[index] }
        let bias = Array(parameters[(classes * width)...])
        let chunks = (samples + Self.chunkSize - 1) / Self.chunkSize
        // Per chunk: weight gradient (C·lanes vectors), then C bias gradients and the loss in a tail.
        let tailSize = classes + 1
        var weightParts = [Lanes](repeating: .zero, count: max(chunks, 1) * classes * lanes)
        var tailParts = [Double](repeating: 0, count: max(chunks, 1) * tailSize)
        let frozenWeights = weights
        weightParts.withUnsafeMutableBufferPointer { weightOut in
            tailParts.withUnsafeMutableBufferPointer { tailOut in
                // Safe to share: every chunk writes only its own disjoint slice, and
                // concurrentPerform returns after all chunks finish.
                nonisolated(unsafe) let weightBase = weightOut.baseAddress!
                nonisolated(unsafe) let tailBase = tailOut.baseAddress!
                DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                    accumulate(
                        chunk: chunk, weights: frozenWeights, bias: bias,
                        weightGradient: weightBase + chunk * classes * lanes, tail: tailBase + chunk * tailSize)
                }
            }
        }
        var weightGradient = [Lanes](repeating: .zero, count: classes * lanes)
        var tail = [Double](repeating: 0, count: tailSize)
        for chunk in 0..<chunks {
            for index in 0..<(classes * lanes) { weightGradient[index] += weightParts[chunk * classes * lanes + index] }
            for index in 0..<tailSize { tail[index] += tailParts[chunk * tailSize + index] }
        }
        let scale = samples > 0 ? 1 / Double(samples) : 0
        var penalty = 0.0
        gradient = [Double](repeating: 0, count: parameterCount)
        for index in 0..<(classes * width) {
            let w = parameters[index]
            penalty += w * w
            gradient[index] = weightGradient[index / 4][index % 4] * scale + l2 * w
        }
        for c in 0..<classes { gradient[classes * width + c] = tail[c] * scale }
        return tail[classes] * scale + 0.5 * l2 * penalty
    }

    /// Adds one chunk's unnormalised cross-entropy and gradient sums into the given buffers.
    private func accumulate(
        chunk: Int, weights: [Lanes], bias: [Double],
        weightGradient: UnsafeMutablePointer<Lanes>, tail: UnsafeMutablePointer<Double>
    ) {
        weights.withUnsafeBufferPointer { w in
            features.withUnsafeBufferPointer { x in
                accumulate(
                    chunk: chunk, weights: w.baseAddress!, bias: bias, features: x.baseAddress!,
                    weightGradient: weightGradient, tail: tail)
            }
        }
    }

    private func accumulate(
        chunk: Int, weights: UnsafePointer<Lanes>, bias: [Double], features: UnsafePointer<Lanes>,
        weightGradient: UnsafeMutablePointer<Lanes>, tail: UnsafeMutablePointer<Double>
    ) {
        var logits = [Double](repeating: 0, count: classes)
        var loss = 0.0
        for i in (chunk * Self.chunkSize)..<min(samples, (chunk + 1) * Self.chunkSize) {
            let row = features + i * lanes
            var largest = -Double.infinity
            for c in 0..<classes {
                let w = weights + c * lanes
                var sum = Lanes.zero
                for k in 0..<lanes { sum += w[k] * row[k] }
                logits[c] = sum.sum() + bias[c]
                largest = max(largest, logits[c])
            }
            let label = labels[i]
            let labelLogit = logits[label] - largest
            var total = 0.0
            for c in 0..<classes {
                logits[c] = Foundation.exp(logits[c] - largest)
                total += logits[c]
            }
            loss += Foundation.log(total) - labelLogit
            for c in 0..<classes {
                let g = logits[c] / total - (c == label ? 1 : 0)
                tail[c] += g
                let out = weightGradient + c * lanes
                let gv = Lanes(repeating: g)
                for k in 0..<lanes { out[k] += gv * row[k] }
            }
        }
        tail[classes] += loss
    }
}
