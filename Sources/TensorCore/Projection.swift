// A frozen weight matrix prepared once at load for C = A · Wᵀ (+ bias): packed float or block-scaled int8.

/// W [outputs, inputs] in the form the base's precision runs (`PackedMatrix` for fp32, `Int8Matrix` for int8).
public protocol Projection: Sendable {
    var outputs: Int { get }
    var inputs: Int { get }
    /// C[m, outputs] = A[m, inputs] · Wᵀ (+ bias), A with row stride `lda`, C with `ldc`, on the active path.
    func apply(
        _ a: UnsafePointer<Float>, rows m: Int, lda: Int, bias: UnsafePointer<Float>?,
        into c: UnsafeMutablePointer<Float>, ldc: Int)
}

extension PackedMatrix: Projection {
    public func apply(
        _ a: UnsafePointer<Float>, rows m: Int, lda: Int, bias: UnsafePointer<Float>?,
        into c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        multiply(a, rows: m, lda: lda, bias: bias, into: c, ldc: ldc)
    }
}

extension Int8Matrix: Projection {
    public func apply(
        _ a: UnsafePointer<Float>, rows m: Int, lda: Int, bias: UnsafePointer<Float>?,
        into c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        multiply(a, rows: m, lda: lda, bias: bias, into: c, ldc: ldc)
    }
}

extension Precision {
    /// W [outputs, inputs] (row-major) prepared for this precision.
    public func projection(_ weights: [Float], outputs: Int, inputs: Int) -> any Projection {
        switch self {
        case .fp32: PackedMatrix(weights: weights, outputs: outputs, inputs: inputs)
        case .int8: Int8Matrix(weights: weights, outputs: outputs, inputs: inputs)
        }
    }
}
