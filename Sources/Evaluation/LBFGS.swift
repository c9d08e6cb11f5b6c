// Limited-memory BFGS with a backtracking Armijo line search, for smooth deterministic minimisation.

/// Minimises a smooth function of a flat `Double` vector with L-BFGS.
///
/// Directions come from the two-loop recursion over the last `memory` curvature pairs; each step
/// starts at length 1 (without history at `min(1, 1/‖g‖)`) and is halved until the Armijo condition
/// `f(x + t·d) ≤ f(x) + 10⁻⁴·t·gᵀd` holds. Pairs with non-positive curvature are not stored.
/// Everything is sequential arithmetic in a fixed order, so equal inputs give equal outputs.
struct LBFGS: Sendable {
    /// Number of curvature pairs kept.
    var memory = 10
    /// Stop when the largest gradient component is at most this.
    var gradientTolerance = 1e-9
    /// Maximum number of accepted steps.
    var iterations: Int

    /// The minimiser found from `start`; `evaluate` returns f(x) and writes ∇f(x) into its second argument.
    func minimise(from start: [Double], evaluate: (_ x: [Double], _ gradient: inout [Double]) -> Double) -> [Double] {
        var x = start
        var gradient = [Double](repeating: 0, count: x.count)
        var value = evaluate(x, &gradient)
        var steps: [[Double]] = [], changes: [[Double]] = [], inverseCurvatures: [Double] = []
        for _ in 0..<iterations {
            guard let largest = gradient.lazy.map({ abs($0) }).max(), largest > gradientTolerance else { break }
            var direction = twoLoop(gradient: gradient, steps: steps, changes: changes, rhos: inverseCurvatures)
            var slope = dot(gradient, direction)
            if !(slope < 0) {  // not a descent direction: forget the history and go downhill
                steps.removeAll(); changes.removeAll(); inverseCurvatures.removeAll()
                direction = gradient.map { -$0 }
                slope = -dot(gradient, gradient)
            }
            var t = steps.isEmpty ? min(1, 1 / dot(gradient, gradient).squareRoot()) : 1.0
            var candidate = x, candidateGradient = gradient, candidateValue = value
            var accepted = false
            for _ in 0..<60 {
                for k in x.indices { candidate[k] = x[k] + t * direction[k] }
                candidateValue = evaluate(candidate, &candidateGradient)
                if candidateValue.isFinite && candidateValue <= value + 1e-4 * t * slope {
                    accepted = true
                    break
                }
                t *= 0.5
            }
            guard accepted else { break }
            var step = [Double](repeating: 0, count: x.count), change = step
            for k in x.indices {
                step[k] = candidate[k] - x[k]
                change[k] = candidateGradient[k] - gradient[k]
            }
            let curvature = dot(step, change)
            if curvature > 1e-12 * dot(change, change).squareRoot() * dot(step, step).squareRoot() {
                if steps.count == memory {
                    steps.removeFirst(); changes.removeFirst(); inverseCurvatures.removeFirst()
                }
                steps.append(step); changes.append(change); inverseCurvatures.append(1 / curvature)
            }
            let previous = value
            x = candidate; gradient = candidateGradient; value = candidateValue
            if previous - value <= 1e-16 * max(1, abs(value)) { break }  // no measurable progress
        }
        return x
    }

    /// −H·g, with H the L-BFGS inverse-Hessian approximation scaled by sᵀy / yᵀy of the newest pair.
    private func twoLoop(gradient: [Double], steps: [[Double]], changes: [[Double]], rhos: [Double]) -> [Double] {
        var q = gradient
        var alphas = [Double](repeating: 0, count: steps.count)
        for m in steps.indices.reversed() {
            alphas[m] = rhos[m] * dot(steps[m], q)
            for k in q.indices { q[k] -= alphas[m] * changes[m][k] }
        }
        if let s = steps.last, let y = changes.last {
            let gamma = dot(s, y) / dot(y, y)
            for k in q.indices { q[k] *= gamma }
        }
        for m in steps.indices {
            let beta = rhos[m] * dot(changes[m], q)
            for k in q.indices { q[k] += (alphas[m] - beta) * steps[m][k] }
        }
        return q.map { -$0 }
    }

    private func dot(_ a: [Double], _ b: [Double]) -> Double {
        var sum = 0.0
        for k in a.indices { sum += a[k] * b[k] }
        return sum
    }
}
