// A weight matrix quantised to int8 in blocks along its inputs, and its product with float activations.

import CKernels

/// W [n, k] (a weight stored [out, in]) as int8 panels with one scale per output channel and block of
/// `MOECL_Q8_BLOCK` inputs (CKernels' moecl_q8.h). `multiply` quantises each activation row per block, multiplies
/// on the best int8 path of this CPU (AVX-512 VNNI, AVX2 or plain C; a lower one under MOECL_KERNELS), and
/// dequantises with the bias fused.
public final class Int8Matrix: @unchecked Sendable {
    // @unchecked Sendable: the buffers are written once in init and only read afterwards.
    public let outputs: Int
    public let inputs: Int
    let packed: UnsafeMutablePointer<Int8>
    let scales: UnsafeMutablePointer<Float>
    let columnSums: UnsafeMutablePointer<Int32>
    let paddedInputs: Int
    let blocks: Int
    let panels: Int

    /// The int8 path products run on.
    public static let path: moecl_q8_path = {
        let best = moecl_q8_best_path()
        switch KernelPath.active {
        case .generic: return MOECL_Q8_GENERIC
        case .avx2: return best == MOECL_Q8_GENERIC ? MOECL_Q8_GENERIC : MOECL_Q8_AVX2
        case .avx512: return best
        }
    }()

    /// Every int8 path this CPU runs, slowest first.
    public static var availablePaths: [moecl_q8_path] {
        [MOECL_Q8_GENERIC, MOECL_Q8_AVX2, MOECL_Q8_AVX512_VNNI].filter { $0.rawValue <= moecl_q8_best_path().rawValue }
    }

    /// The active path's name: "generic", "avx2" or "avx512-vnni".
    public static var pathName: String { name(of: path) }

    /// A path's name.
    public static func name(of path: moecl_q8_path) -> String {
        switch path {
        case MOECL_Q8_AVX512_VNNI: "avx512-vnni"
        case MOECL_Q8_AVX2: "avx2"
        default: "generic"
        }
    }

    /// Quantises `weights` [outputs, inputs] (row-major).
    public init(weights: [Float], outputs n: Int, inputs k: Int) {
        precondition(weights.count == n * k, "weights must hold outputs × inputs values")
        outputs = n
        inputs = k
        paddedInputs = moecl_q8_padded_k(k)
        blocks = paddedInputs / Int(MOECL_Q8_BLOCK)
        let paddedOutputs = moecl_q8_padded_n(n)
        panels = paddedOutputs / 16
        packed = .allocate(capacity: paddedOutputs * paddedInputs)
        scales = .allocate(capacity: paddedOutputs * blocks)
        columnSums = .allocate(capacity: paddedOutputs * blocks)
        let (packed, scales, sums) = (self.packed, self.scales, self.columnSums)
        weights.withUnsafeBufferPointer { w in moecl_q8_pack(w.baseAddress!, n, k, k, packed, scales, sums) }
    }

    deinit {
        packed.deallocate()
        scales.deallocate()
        columnSums.deallocate()
    }

    /// C[m, outputs] = A[m, inputs] · Wᵀ (+ bias), A with row stride `lda`, C with `ldc`; threads over output panels.
    /// `path` (tests) must be one of `availablePaths`.
    public func multiply(
        _ a: UnsafePointer<Float>, rows m: Int, lda: Int, bias: UnsafePointer<Float>? = nil,
        into c: UnsafeMutablePointer<Float>, ldc: Int, path: moecl_q8_path = Int8Matrix.path
    ) {
        guard m > 0 else { return }
        let kp = paddedInputs, k = inputs, blocks = self.blocks
        let q = UnsafeMutablePointer<Int8>.allocate(capacity: m * kp)
        let rowScales = UnsafeMutablePointer<Float>.allocate(capacity: m * blocks)
        defer {
            q.deallocate()
            rowScales.deallocate()
        }
        Parallel.forChunks(m, cost: k * 4) { range in
            moecl_q8_quantize_rows(
                path, a + range.lowerBound * lda, range.count, k, lda, q + range.lowerBound * kp,
                rowScales + range.lowerBound * blocks)
        }
        let n = outputs
        let (packed, scales, sums) = (self.packed, self.scales, self.columnSums)
        // Whole pairs of panels per chunk (the VNNI kernel's block), so threads never split one.
        let pairs = (panels + 1) / 2
        Parallel.forChunks(pairs, cost: m * k * 32) { range in
            let begin = range.lowerBound * 2, end = min(panels, range.upperBound * 2)
            moecl_q8_gemm(path, q, rowScales, m, k, packed, scales, sums, n, begin, end, bias, c, ldc)
        }
    }
}
