// The float product with weights packed once (moecl_packed.h), one path's micro-kernel. Included by kernel_body.h
// (inside its path's target attribute), with KERNEL_GEMM_MR (rows per register block) defined by the path: the
// block keeps MR × 32 sums in registers (AVX-512: 12 rows, 24 of the 32 zmm; AVX2: 3 rows, 12 of the 16 ymm) and
// reads each k's 32 packed weights once for all MR rows.

#define GEMM_NR MOECL_PACKED_NR

/// C[0 ..< rows, 0 ..< cols] (cols ≤ 32) = A[rows, k] · panelᵀ (+ bias), one register block; rows ≤ MR, a constant
/// after inlining, so the sums stay in registers.
INLINE void gemm_block(int rows, const float *a, long lda, const float *panel, long k, const float *bias, float *c,
                       long ldc, long cols) {
    v16 lo[KERNEL_GEMM_MR], hi[KERNEL_GEMM_MR];
#pragma unroll
    for (int i = 0; i < KERNEL_GEMM_MR; i++) lo[i] = hi[i] = SPLAT(0);
    for (long kk = 0; kk < k; kk++) {
        v16 b0 = LD(panel + kk * GEMM_NR), b1 = LD(panel + kk * GEMM_NR + 16);
#pragma unroll
        for (int i = 0; i < KERNEL_GEMM_MR; i++) {
            if (i < rows) {
                v16 x = SPLAT(a[i * lda + kk]);
                lo[i] = FMA(x, b0, lo[i]);
                hi[i] = FMA(x, b1, hi[i]);
            }
        }
    }
    v16 bias0 = SPLAT(0), bias1 = SPLAT(0);
    if (bias && cols == GEMM_NR) {
        bias0 = LD(bias);
        bias1 = LD(bias + 16);
    }
#pragma unroll
    for (int i = 0; i < KERNEL_GEMM_MR; i++) {
        if (i >= rows) continue;
        if (cols == GEMM_NR) {
            ST(c + i * ldc, lo[i] + bias0);
            ST(c + i * ldc + 16, hi[i] + bias1);
        } else {
            float row[GEMM_NR];
            ST(row, lo[i]);
            ST(row + 16, hi[i]);
            for (long j = 0; j < cols; j++) c[i * ldc + j] = row[j] + (bias ? bias[j] : 0);
        }
    }
}

/// One constant row count per call site, so each block is compiled for its own count.
INLINE void gemm_rows(long rows, const float *a, long lda, const float *panel, long k, const float *bias, float *c,
                      long ldc, long cols) {
    switch (rows) {
#define GEMM_CASE(r) \
    case r:                  \
        if (r <= KERNEL_GEMM_MR) gemm_block(r, a, lda, panel, k, bias, c, ldc, cols); \
        break;
        GEMM_CASE(1)
        GEMM_CASE(2)
        GEMM_CASE(3)
#if KERNEL_GEMM_MR > 3
        GEMM_CASE(4)
        GEMM_CASE(5)
        GEMM_CASE(6)
        GEMM_CASE(7)
        GEMM_CASE(8)
        GEMM_CASE(9)
        GEMM_CASE(10)
        GEMM_CASE(11)
        GEMM_CASE(12)
#endif
#undef GEMM_CASE
        default: break;
    }
}

/// Rows in chunks whose A slice stays in L2 (about 256 KiB), every panel of [panel_begin, panel_end) per chunk.
static void packed_gemm(const float *a, long m, long k, long lda, const float *packed, long n, long panel_begin,
                        long panel_end, const float *bias, float *c, long ldc) {
    long chunk = (256 * 1024 / 4) / (k > 0 ? k : 1);
    chunk = chunk < KERNEL_GEMM_MR ? KERNEL_GEMM_MR : chunk / KERNEL_GEMM_MR * KERNEL_GEMM_MR;
    for (long r0 = 0; r0 < m; r0 += chunk) {
        long r1 = r0 + chunk < m ? r0 + chunk : m;
        for (long p = panel_begin; p < panel_end; p++) {
            long col = p * GEMM_NR, cols = n - col < GEMM_NR ? n - col : GEMM_NR;
            const float *panel = packed + p * k * GEMM_NR;
            const float *pb = bias ? bias + col : NULL;
            for (long r = r0; r < r1; r += KERNEL_GEMM_MR) {
                long rows = r1 - r < KERNEL_GEMM_MR ? r1 - r : KERNEL_GEMM_MR;
                gemm_rows(rows, a + r * lda, lda, panel, k, pb, c + r * ldc + col, ldc, cols);
            }
        }
    }
}
