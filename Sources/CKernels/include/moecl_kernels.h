// moecl's own float kernels, compiled once per x86-64 level and chosen by CPUID when the process starts (run-time
// dispatch): the binary no longer depends on the build machine's CPU. The plain entry points call the chosen path;
// `moecl_kernel_table_for` hands out any path this CPU can run, for tests that check every path against the
// references.
#ifndef MOECL_KERNELS_H
#define MOECL_KERNELS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The kernel paths, slowest first: plain x86-64 (SSE2), AVX2 with FMA, AVX-512 (F, BW, DQ, VL).
typedef enum { MOECL_PATH_GENERIC = 0, MOECL_PATH_AVX2 = 1, MOECL_PATH_AVX512 = 2, MOECL_PATH_COUNT = 3 } moecl_path;

/// One path's kernels. Shapes as in the Swift callers (TensorCore): row-major, strides in floats.
typedef struct {
    const char *name;
    /// x[i] = GELU(x[i] + bias[i]) (exact erf form); bias may be NULL.
    void (*gelu_row)(float *x, long n, const float *bias);
    /// dx[i] = dy[i] * GELU'(u[i]); dx may alias dy.
    void (*gelu_backward)(const float *u, const float *dy, float *dx, long n);
    /// Row-wise softmax in place, rows of stride `stride` (>= n).
    void (*softmax_rows)(float *x, long rows, long n, long stride);
    /// x = LayerNorm(x + residual + bias) * gamma + beta over one row; residual and bias may be NULL.
    void (*layernorm_row)(float *x, long n, const float *residual, const float *bias, const float *gamma,
                          const float *beta, float eps);
    /// x[i] = exp(x[i]) (2e-7 relative on [-87, 88], 0 below -87.3) and x[i] = erf(x[i]) (4e-7 absolute): the
    /// vector functions every kernel here uses, exposed for their accuracy tests.
    void (*exp_row)(float *x, long n);
    void (*erf_row)(float *x, long n);
    /// sum a[i] * b[i].
    float (*dot)(const float *a, const float *b, long n);
    /// One attention head of one sequence (TensorCore's Attention.head); `kt` holds moecl_attention_scratch(t, hs)
    /// floats, `scores` t · t.
    void (*attention_head)(const float *q, const float *k, const float *v, long stride, long t, long hs,
                           float scale, float *context, long out_stride, float *kt, float *scores);
    /// out[t * out_stride + k] = rows[t, :] . factors[k, :] for t < count, k < rank (rows of length n).
    void (*low_rank_dots)(const float *rows, long count, const float *factors, long rank, long n, float *out,
                          long out_stride);
    /// The MoE feed-forward's mixing pass over `count` rows of width f (MoEFeedForwardKernel): per row t,
    /// u_e = hidden[t] + b1 + a_e[t] . up_e (up_e transposed, [rank, f]), h_e = GELU(u_e) into h0 / ht [count, f],
    /// hidden[t] = ht + gates[2t] * (h0 - ht). a: per row the shared expert's r0 values, then the task's rt, row
    /// stride a_stride.
    void (*moe_mix_rows)(float *hidden, long count, long f, const float *b1, const float *a, long a_stride,
                         const float *gates, const float *up_shared, long r0, const float *up_task, long rt,
                         float *h0, float *ht);
    /// row[j] += sum_k z[k] * factors_t[k * count + j].
    void (*add_low_rank)(float *row, long count, const float *z, const float *factors_t, long rank);
    /// C[i, j] = A[i, :] . W[j, :] (+ bias[j]) for i < m and the columns of panels [panel_begin, panel_end), j < n,
    /// W packed by moecl_packed_pack (moecl_packed.h); bias may be NULL.
    void (*packed_gemm)(const float *a, long m, long k, long lda, const float *packed, long n, long panel_begin,
                        long panel_end, const float *bias, float *c, long ldc);
} moecl_kernel_table;

/// glibc malloc: allocations up to `mmap_threshold` bytes come from the heap, and up to `trim_threshold` bytes of
/// free heap are kept (0: leave that setting alone).
void moecl_heap_keep(long mmap_threshold, long trim_threshold);

/// A spin-wait hint (x86 `pause`), for threads that wait on a flag for a few microseconds.
static inline void moecl_cpu_relax(void) { __builtin_ia32_pause(); }

/// The path in use (chosen once: the best this CPU and OS support, or MOECL_KERNELS=generic|avx2|avx512 when
/// that path can run here).
moecl_path moecl_kernels_path(void);
const char *moecl_kernels_name(void);
/// The best path this CPU and OS support.
moecl_path moecl_kernels_best_path(void);
/// A path's kernels, or NULL when this CPU cannot run it.
const moecl_kernel_table *moecl_kernel_table_for(moecl_path path);
/// The path's name ("generic", "avx2", "avx512").
const char *moecl_path_name(moecl_path path);

// The chosen path's kernels.
void moecl_gelu_row(float *x, long n, const float *bias);
void moecl_gelu_backward(const float *u, const float *dy, float *dx, long n);
void moecl_softmax_rows(float *x, long rows, long n, long stride);
void moecl_layernorm_row(float *x, long n, const float *residual, const float *bias, const float *gamma,
                         const float *beta, float eps);
void moecl_exp_row(float *x, long n);
void moecl_erf_row(float *x, long n);
float moecl_dot(const float *a, const float *b, long n);
/// Floats of the `kt` scratch one attention head of t tokens and head size hs needs.
long moecl_attention_scratch(long t, long hs);
void moecl_attention_head(const float *q, const float *k, const float *v, long stride, long t, long hs, float scale,
                          float *context, long out_stride, float *kt, float *scores);
void moecl_low_rank_dots(const float *rows, long count, const float *factors, long rank, long n, float *out,
                         long out_stride);
void moecl_moe_mix_rows(float *hidden, long count, long f, const float *b1, const float *a, long a_stride,
                        const float *gates, const float *up_shared, long r0, const float *up_task, long rt,
                        float *h0, float *ht);
void moecl_add_low_rank(float *row, long count, const float *z, const float *factors_t, long rank);
void moecl_packed_gemm(const float *a, long m, long k, long lda, const float *packed, long n, long panel_begin,
                       long panel_end, const float *bias, float *c, long ldc);

#ifdef __cplusplus
}
#endif
#endif
