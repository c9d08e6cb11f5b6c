// Sentence pooling of token states: mean over real tokens and L2 normalisation.

/// Pooling of final hidden states into one vector per sequence.
public enum Pooling {
    /// Mean over `rows` of a row-major [N, dim] matrix, accumulated in Double.
    public static func mean(_ hidden: [Float], rows: Range<Int>, dim: Int) -> [Float] {
        var acc = [Double](repeating: 0, count: dim)
        for r in rows {
            for j in 0..<dim { acc[j] += Double(hidden[r * dim + j]) }
        }
        let count = Double(max(1, rows.count))
        return acc.map { Float($0 / count) }
    }

    /// Scales `v` to unit L2 norm (unchanged when the norm is below 1e-12, as sentence-transformers does).
    public static func normalizeL2(_ v: inout [Float]) {
        let norm = v.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
        let scale = Float(1 / max(norm, 1e-12))
        for i in v.indices { v[i] *= scale }
    }
}
