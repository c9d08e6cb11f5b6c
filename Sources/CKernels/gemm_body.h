// The float product with weights packed once (moecl_packed.h), one path's micro-kernel. Included by kernel_body.h
// (inside its path's target attribute), with KERNEL_GEMM_MR (rows per register block) and KERNEL_GEMM_WIDE defined
// by the path. Wide (AVX-512): a block keeps MR × 32 sums in registers (12 rows: 24 of the 32 zmm) and reads each
// k's 32 packed weights once for all MR rows. Narrow (AVX2: 16 ymm; plain x86-64: 16 xmm): a block covers one half
// of a panel, MR × 16 sums (AVX2: 6 rows, 12 ymm, with 2 for the weights and 1 for the broadcast row value).

#define GEMM_NR MOECL_PACKED_NR

/// Stores one row's sums (cols ≤ width of the block, 16 or 32) plus bias.
INLINE void gemm_store(float *c, v16 lo, v16 hi, int wide, const float *bias, long cols) {
    int full = cols == (wide ? GEMM_NR : 16);
    if (full) {
        ST(c, bias ? lo + LD(bias) : lo);
        if (wide) ST(c + 16, bias ? hi + LD(bias + 16) : hi);
        return;
    }
    float row[GEMM_NR];
    ST(row, lo);
    ST(row + 16, hi);
    for (long j = 0; j < cols; j++) c[j] = row[j] + (bias ? bias[j] : 0);
}

/// C[0 ..< rows, 0 ..< cols] = A[rows, k] · panelᵀ (+ bias), one register block over `panel`'s 32 columns (wide) or
/// the 16 starting at `panel` (narrow; k's rows are still 32 floats apart). rows ≤ MR, a constant after inlining, so
/// the sums stay in registers.
INLINE void gemm_block(int rows, const float *a, long lda, const float *panel, long k, const float *bias, float *c,
                       long ldc, long cols) {
    const int wide = KERNEL_GEMM_WIDE;
    v16 lo[KERNEL_GEMM_MR], hi[KERNEL_GEMM_MR];
#pragma unroll
    for (int i = 0; i < KERNEL_GEMM_MR; i++) lo[i] = hi[i] = SPLAT(0);
    for (long kk = 0; kk < k; kk++) {
        v16 b0 = LD(panel + kk * GEMM_NR), b1 = wide ? LD(panel + kk * GEMM_NR + 16) : SPLAT(0);
#pragma unroll
        for (int i = 0; i < KERNEL_GEMM_MR; i++) {
            if (i < rows) {
                v16 x = SPLAT(a[i * lda + kk]);
                lo[i] = FMA(x, b0, lo[i]);
                if (wide) hi[i] = FMA(x, b1, hi[i]);
            }
        }
    }
#pragma unroll
    for (int i = 0; i < KERNEL_GEMM_MR; i++)
        if (i < rows) gemm_store(c + i * ldc, lo[i], hi[i], wide, bias, cols);
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
#endif
#if KERNEL_GEMM_MR > 6
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
            for (long half = 0; half < (KERNEL_GEMM_WIDE ? 1 : 2); half++) {
                long offset = KERNEL_GEMM_WIDE ? 0 : half * 16;
                long width = KERNEL_GEMM_WIDE ? cols : (cols - offset < 16 ? cols - offset : 16);
                if (width <= 0) break;
                for (long r = r0; r < r1; r += KERNEL_GEMM_MR) {
                    long rows = r1 - r < KERNEL_GEMM_MR ? r1 - r : KERNEL_GEMM_MR;
                    gemm_rows(rows, a + r * lda, lda, panel + offset, k, pb ? pb + offset : NULL,
                              c + r * ldc + col + offset, ldc, width);
                }
            }
        }
    }
}
