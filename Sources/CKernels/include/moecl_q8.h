// int8 products for the frozen base's projections (issue 19, point 2): weights quantised once at load, activations
// per row at run time, integer dot products, dequantisation fused with the bias.
//
// C[m, n] = A[m, k] · W[n, k]ᵀ, in blocks of MOECL_Q8_BLOCK along k (per output channel and block for the
// weights, per row and block for the activations, as GGUF's Q8_0 does; one scale per whole channel lost too much:
// mean embedding cosine 0.9971 on MiniLM against 0.9993 with blocks of 64, docs/PERFORMANCE.md):
//   w_q = round(W[j, b] / s_w[j, b]), s_w = max|W[j, b]| / 127; a_q = round(A[i, b] / s_a[i, b]), likewise;
//   C[i, j] ≈ Σ_b s_a[i, b] · s_w[j, b] · Σ_{k ∈ b} a_q[i, k] · w_q[j, k] (+ bias[j]); the integer sums are exact.
//
// Packed weights: columns in panels of 16, k in groups of 4 (zero padded to whole blocks): byte
// [panel][k / 4][column in panel][k % 4], so one 64-byte load holds 16 columns × 4 k, what one AVX-512 VNNI
// `vpdpbusd` (or two AVX2 `vpmaddubsw` + `vpmaddwd`) consumes. Scales and column sums: [panel][block][16].
#ifndef MOECL_Q8_H
#define MOECL_Q8_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MOECL_Q8_BLOCK 32

/// The int8 paths: plain C, AVX2 (sign trick: |a| as u8 times sign(a)·w as s8, no saturation since
/// 2 · 127 · 127 < 32768), AVX-512 VNNI (u8 = a + 128 times s8, the 128 · Σw column term subtracted).
typedef enum { MOECL_Q8_GENERIC = 0, MOECL_Q8_AVX2 = 1, MOECL_Q8_AVX512_VNNI = 2, MOECL_Q8_COUNT = 3 } moecl_q8_path;

/// k rounded up to whole blocks, n to whole panels of 16.
long moecl_q8_padded_k(long k);
long moecl_q8_padded_n(long n);
/// Packs W [n, k] (row stride ldw): `packed` holds padded_n · padded_k bytes, `scales` and `column_sums`
/// padded_n · padded_k / MOECL_Q8_BLOCK values each (padding gets scale 0).
void moecl_q8_pack(const float *w, long n, long k, long ldw, int8_t *packed, float *scales, int32_t *column_sums);
/// Quantises rows of A [m, k] (stride lda) into q [m, padded_k] (zero padded) and scales
/// [m, padded_k / MOECL_Q8_BLOCK], in the form `path`'s product reads (VNNI: unsigned bytes a + 128).
void moecl_q8_quantize_rows(moecl_q8_path path, const float *a, long m, long k, long lda, int8_t *q,
                            float *scales);
/// C[i, j] for i < m and the columns of panels [panel_begin, panel_end), j < n; bias may be NULL.
/// `path` must be one this CPU runs (moecl_q8_best_path() or lower).
void moecl_q8_gemm(moecl_q8_path path, const int8_t *q, const float *a_scales, long m, long k,
                   const int8_t *packed, const float *w_scales, const int32_t *column_sums, long n,
                   long panel_begin, long panel_end, const float *bias, float *c, long ldc);
/// The best int8 path of this CPU and OS.
moecl_q8_path moecl_q8_best_path(void);

#ifdef __cplusplus
}
#endif
#endif
