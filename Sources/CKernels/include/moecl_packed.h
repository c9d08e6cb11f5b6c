// Float weights packed once for moecl's own product (issue 19, point 3): C[m, n] = A[m, k] · W[n, k]ᵀ (+ bias)
// without the per-call packing a BLAS pays, which is most of the time at a few rows (batch 1).
//
// Packed layout: columns in panels of MOECL_PACKED_NR, k-major inside a panel: packed[(p · k + kk) · NR + j] =
// W[p · NR + j, kk], the last panel zero padded. One k's 32 weights are two 16-float vectors.
#ifndef MOECL_PACKED_H
#define MOECL_PACKED_H

#ifdef __cplusplus
extern "C" {
#endif

#define MOECL_PACKED_NR 32

/// Panels of W [n, k]: (n + NR − 1) / NR.
long moecl_packed_panels(long n);
/// Packs W [n, k] (row stride ldw) into `packed` (panels · k · NR floats).
void moecl_packed_pack(const float *w, long n, long k, long ldw, float *packed);

#ifdef __cplusplus
}
#endif
#endif
