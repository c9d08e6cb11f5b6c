// LoRA factors of one frozen linear map: ΔW = scale · B · A, held in the layout the kernels read.

import TensorCore

/// The two low-rank factors adapting one linear map W [out, in].
///
/// Shapes (R rank): A [R, in] as in the file; B [out, R] in the file, held transposed as Bᵀ [R, out] so that the
/// kernels read both factors row by row. Converting between the two layouts is exact.
public struct LoRAFactors: Sendable {
    public let rank: Int
    public let inputSize: Int
    public let outputSize: Int
    /// A [R, in].
    public let a: FloatStorage
    /// Bᵀ [R, out].
    public let bTransposed: FloatStorage

    /// Creates factors from A [R, in] and B [out, R] (the file layout).
    public init(rank: Int, inputSize: Int, outputSize: Int, a: [Float], b: [Float]) {
        precondition(a.count == rank * inputSize && b.count == outputSize * rank, "LoRA factor sizes do not match")
        self.rank = rank
        self.inputSize = inputSize
        self.outputSize = outputSize
        self.a = FloatStorage(a)
        self.bTransposed = FloatStorage(count: rank * outputSize) { bt in
            for o in 0..<outputSize {
                for k in 0..<rank { bt[k * outputSize + o] = b[o * rank + k] }
            }
        }
    }

    /// Creates factors from storage already in kernel layout: A [R, in] and Bᵀ [R, out] (no copy).
    public init(rank: Int, inputSize: Int, outputSize: Int, a: FloatStorage, bTransposed: FloatStorage) {
        precondition(
            a.count == rank * inputSize && bTransposed.count == outputSize * rank, "LoRA factor sizes do not match")
        self.rank = rank
        self.inputSize = inputSize
        self.outputSize = outputSize
        self.a = a
        self.bTransposed = bTransposed
    }

    /// B [out, R] (the file layout).
    public var b: [Float] {
        var b = [Float](repeating: 0, count: outputSize * rank)
        for k in 0..<rank {
            for o in 0..<outputSize { b[o * rank + k] = bTransposed[k * outputSize + o] }
        }
        return b
    }

    /// Floats held in memory.
    public var parameterCount: Int { a.count + bTransposed.count }

    /// The dense update B·A [out, in] (without the scale), for the reference form.
    public func product() -> [Float] {
        var w = [Float](repeating: 0, count: outputSize * inputSize)
        for o in 0..<outputSize {
            for i in 0..<inputSize {
                var acc = 0.0
                for k in 0..<rank { acc += Double(bTransposed[k * outputSize + o]) * Double(a[k * inputSize + i]) }
                w[o * inputSize + i] = Float(acc)
            }
        }
        return w
    }
}
