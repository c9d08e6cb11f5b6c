// The two losses: each labelled sequence's task head, and each layer's task discriminator with gradient reversal.

import Foundation
import TensorCore
import Transformer

extension ContinualModel {
    /// Task loss on the read-out final states (work.x); accumulates the heads' gradients and writes the initial
    /// backward gradient dx [N, d] (into work.dx): the T read-out rows of a labelled sequence get Hᵀ·dlogits / T.
    func headLoss(_ batch: TrainingBatch, settings: StepSettings, work: StepWorkspace, into result: inout StepResult) {
        let d = shape.hiddenSize, n = batch.packed.tokenCount, x = work.x.pointer
        let dx = work.dx.zeroed(n * d)
        let labelled = batch.labels.compactMap { $0 }.count
        result.labelled = labelled
        guard labelled > 0 else { return }
        for s in 0..<batch.packed.count {
            guard let label = batch.labels[s] else { continue }
            let t = batch.tasks[s], head = tasks[t].head, classes = head.labels.count
            let rows = readoutRows(s, batch.packed)
            let pooled = meanRows(x, rows: rows, columns: d)
            let logits = headLogits(head, pooled).map { Float($0) }
            let (loss, gradient) = CrossEntropy.lossAndGradient(logits: logits, label: label)
            result.taskLoss += loss / Double(labelled)
            if logits.indices.max(by: { logits[$0] < logits[$1] }) == label { result.correct += 1 }
            let g = gradient.map { $0 / Float(labelled) }
            let trains = settings.trainTask == t
            var dp = [Float](repeating: 0, count: d)
            for cl in 0..<classes {
                for j in 0..<d {
                    if trains { head.weight.gradient[cl * d + j] += g[cl] * pooled[j] }
                    dp[j] += g[cl] * head.weight.value[cl * d + j]
                }
                if trains { head.bias.gradient[cl] += g[cl] }
            }
            let inv = 1 / Float(rows.count)
            for i in rows { for j in 0..<d { dx[i * d + j] = dp[j] * inv } }
        }
    }

    /// Layer l's discriminator on m_s = mean over the tokens of sequence s of the shared expert's FFN output
    /// y_0 = W2·h_0 + b2 + s·B2·w_0 (no b2 on Llama), which is linear in h_0 and w_0, so
    /// m_s = W2·mean(h_0) + b2 + s·B2·mean(w_0).
    /// L = mean_s CE(D·m_s + b, task_s). D's gradient is λ·∂L/∂D / L_layers; the gradient sent upstream is
    /// reversed, −λ·∂L/∂m / L_layers (`reversed`), or that of the confusion loss C = mean_s CE(D·m_s + b, uniform
    /// over the seen tasks), +λ·∂C/∂m / L_layers (`confusion`); stored per sequence (divided by its length) in
    /// tape.discH and tape.discW. Returns (L, C).
    func discriminate(
        layer l: Int, batch: TrainingBatch, tape: LayerTape, settings: StepSettings,
        work: StepWorkspace
    ) -> (loss: Double, confusion: Double) {
        let c = shape, d = c.hiddenSize, f = c.intermediateSize, r = rank, sCount = batch.packed.count
        let disc = discriminators[l], k = disc.classes, shared = shared!.layers[l]
        let w = backbone.feedForwardWeights(layer: l)
        let scale = self.shared!.scale, lambda = settings.adversarialWeight
        let hBar = work.temp.reserve(sCount * f), wBar = work.dw.reserve(sCount * r)
        for s in 0..<sCount {
            let rows = batch.packed.offsets[s]..<batch.packed.offsets[s + 1]
            meanRows(tape.h[0].pointer, rows: rows, columns: f, into: hBar + s * f)
            meanRows(tape.w[0].pointer, rows: rows, columns: r, into: wBar + s * r)
        }
        let m = work.tempD.reserve(sCount * d)
        project(hBar, rows: sCount, weight: w.w2, bias: nil, out: d, in: f, into: m)
        BLAS.gemm(
            transposeB: false, m: sCount, n: d, k: r, alpha: scale, a: wBar, lda: r, b: shared.downBT.value,
            ldb: d, beta: 1, c: m, ldc: d)
        if let b2 = w.b2 {
            for s in 0..<sCount { for j in 0..<d { m[s * d + j] += b2[j] } }
        }
        let logits = work.logits.reserve(sCount * k)
        BLAS.gemmNT(m: sCount, n: k, k: d, a: m, lda: d, b: disc.weight.value, ldb: d, c: logits, ldc: k)
        var loss = 0.0, confusion = 0.0
        let layerShare = 1 / Float(c.layers * sCount)
        let confusing = settings.adversarialObjective == .confusion
        // The confusion target: uniform over the tasks seen so far (the classes beyond them are unused).
        let seen = min(k, tasks.count)
        var upstream = confusing ? [Float](repeating: 0, count: sCount * k) : []
        for s in 0..<sCount {
            let row = Array(UnsafeBufferPointer(start: logits + s * k, count: k)).enumerated().map {
                $1 + disc.bias.value[$0]
            }
            let (l, g) = CrossEntropy.lossAndGradient(logits: row, label: batch.tasks[s])
            loss += l / Double(sCount)
            if confusing {
                // CE against q: −Σ q_j log p_j; its gradient in the logits is p − q (p = g + onehot).
                let top = row.max() ?? 0
                let logSum = Foundation.log(row.reduce(0.0) { $0 + Foundation.exp(Double($1 - top)) }) + Double(top)
                var ce = 0.0
                for j in 0..<seen { ce -= (Double(row[j]) - logSum) / Double(seen) }
                confusion += ce / Double(sCount)
                for j in 0..<k {
                    let p = g[j] + (j == batch.tasks[s] ? 1 : 0)
                    upstream[s * k + j] = (p - (j < seen ? 1 / Float(seen) : 0)) * layerShare
                }
            }
            for j in 0..<k { logits[s * k + j] = g[j] * layerShare }
        }
        // D minimises: dW += λ·gᵀ·M, db += λ·Σ g.
        BLAS.gemm(
            transposeA: true, transposeB: false, m: k, n: d, k: sCount, alpha: lambda, a: logits, lda: k, b: m,
            ldb: d, beta: 1, c: disc.weight.gradient, ldc: d)
        for s in 0..<sCount { for j in 0..<k { disc.bias.gradient[j] += lambda * logits[s * k + j] } }
        // Upstream: reversed, dM = −λ·g·D; or the confusion loss's, dM = +λ·(p − q)·D.
        let dM = work.dx1.reserve(sCount * d)
        if confusing {
            upstream.withUnsafeBufferPointer { u in
                BLAS.gemm(
                    transposeB: false, m: sCount, n: d, k: k, alpha: lambda, a: u.baseAddress!, lda: k,
                    b: disc.weight.value, ldb: d, c: dM, ldc: d)
            }
        } else {
            BLAS.gemm(
                transposeB: false, m: sCount, n: d, k: k, alpha: -lambda, a: logits, lda: k, b: disc.weight.value,
                ldb: d, c: dM, ldc: d)
        }
        let dH = tape.discH.reserve(sCount * f), dW = tape.discW.reserve(sCount * r)
        w.w2.withUnsafeBufferPointer { w2 in
            BLAS.gemm(
                transposeB: false, m: sCount, n: f, k: d, a: dM, lda: d, b: w2.baseAddress!, ldb: f, c: dH, ldc: f)
        }
        BLAS.gemmNT(m: sCount, n: r, k: d, alpha: scale, a: dM, lda: d, b: shared.downBT.value, ldb: d, c: dW, ldc: r)
        if settings.training {
            BLAS.gemm(
                transposeA: true, transposeB: false, m: r, n: d, k: sCount, alpha: scale, a: wBar, lda: r, b: dM,
                ldb: d, beta: 1, c: shared.downBT.gradient, ldc: d)
        }
        for s in 0..<sCount {
            let inv = 1 / Float(batch.packed.length(s))
            for j in 0..<f { dH[s * f + j] *= inv }
            for j in 0..<r { dW[s * r + j] *= inv }
        }
        tape.hasDiscriminatorGradient = true
        return (loss, confusion)
    }

    /// The rows a head reads for sequence s: all of them (mean pooling) or the last one.
    func readoutRows(_ s: Int, _ batch: PackedBatch) -> Range<Int> {
        let end = batch.offsets[s + 1]
        switch shape.readout {
        case .meanPooling: return batch.offsets[s]..<end
        case .lastToken: return (end - 1)..<end
        }
    }

    /// W · pooled + b of a head, accumulated in Double.
    func headLogits(_ head: HeadParameters, _ pooled: [Float]) -> [Double] {
        let d = pooled.count
        return (0..<head.labels.count).map { cl in
            var acc = Double(head.bias.value[cl])
            for j in 0..<d { acc += Double(head.weight.value[cl * d + j]) * Double(pooled[j]) }
            return acc
        }
    }

    /// Mean of rows [rows] of a [*, columns] matrix, in Double.
    func meanRows(_ x: UnsafePointer<Float>, rows: Range<Int>, columns: Int) -> [Float] {
        var out = [Float](repeating: 0, count: columns)
        out.withUnsafeMutableBufferPointer { meanRows(x, rows: rows, columns: columns, into: $0.baseAddress!) }
        return out
    }

    func meanRows(_ x: UnsafePointer<Float>, rows: Range<Int>, columns: Int, into out: UnsafeMutablePointer<Float>) {
        var acc = [Double](repeating: 0, count: columns)
        for i in rows { for j in 0..<columns { acc[j] += Double(x[i * columns + j]) } }
        let inv = 1 / Double(max(1, rows.count))
        for j in 0..<columns { out[j] = Float(acc[j] * inv) }
    }
}
