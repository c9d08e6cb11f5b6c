// A float weight matrix packed once at load for moecl's own product (CKernels' moecl_packed.h).

import CKernels

/// W [n, k] (a weight stored [out, in]) in panels of `MOECL_PACKED_NR` columns, k-major. `multiply` computes
/// C = A · Wᵀ (+ bias) on the active kernel path's micro-kernel (threads over panels), with none of the per-call
/// weight packing OpenBLAS pays, which is most of a product at a few rows (batch 1: docs/PERFORMANCE.md).
public final class PackedMatrix: @unchecked Sendable {
    // @unchecked Sendable: the buffer is written once in init and only read afterwards.
    public let outputs: Int
    public let inputs: Int
    let packed: UnsafeMutablePointer<Float>
    let panels: Int

    /// Packs `weights` [outputs, inputs] (row-major).
    public init(weights: [Float], outputs n: Int, inputs k: Int) {
        precondition(weights.count == n * k, "weights must hold outputs × inputs values")
        outputs = n
        inputs = k
        panels = moecl_packed_panels(n)
        let packed = UnsafeMutablePointer<Float>.allocate(capacity: max(1, panels * k * Int(MOECL_PACKED_NR)))
        weights.withUnsafeBufferPointer { w in moecl_packed_pack(w.baseAddress!, n, k, k, packed) }
        self.packed = packed
    }

    deinit { packed.deallocate() }

    /// C[m, outputs] = A[m, inputs] · Wᵀ (+ bias), A with row stride `lda`, C with `ldc`. `path` (tests) must be
    /// one of `KernelPath.available`.
    public func multiply(
        _ a: UnsafePointer<Float>, rows m: Int, lda: Int, bias: UnsafePointer<Float>? = nil,
        into c: UnsafeMutablePointer<Float>, ldc: Int, path: KernelPath = .active
    ) {
        guard m > 0, outputs > 0 else { return }
        guard let gemm = path.table?.packed_gemm else { preconditionFailure("kernel path \(path) cannot run here") }
        let (k, n, packed) = (inputs, outputs, self.packed)
        // Below about a million products (tens of microseconds) a second thread costs more than it saves.
        let threads = m * k * n < 1 << 20 ? 1 : Parallel.threads
        Parallel.forChunks(panels, cost: m * k * Int(MOECL_PACKED_NR), threads: threads) { range in
            gemm(a, m, k, lda, packed, n, range.lowerBound, range.upperBound, bias, c, ldc)
        }
    }
}
