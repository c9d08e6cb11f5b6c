// Chooses the kernel path once, from CPUID and the OS's saved register state (XGETBV), and forwards the plain
// entry points to it.
#include "moecl_kernels.h"
#include <cpuid.h>
#include <stdlib.h>
#include <string.h>

extern const moecl_kernel_table moecl_kernels_generic;
extern const moecl_kernel_table moecl_kernels_avx2;
extern const moecl_kernel_table moecl_kernels_avx512;

static const moecl_kernel_table *const tables[MOECL_PATH_COUNT] = {
    &moecl_kernels_generic, &moecl_kernels_avx2, &moecl_kernels_avx512};

static unsigned long long xgetbv0(void) {
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((unsigned long long)hi << 32) | lo;
}

static moecl_path detect_best_path(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return MOECL_PATH_GENERIC;
    int fma = (c >> 12) & 1, osxsave = (c >> 27) & 1, avx = (c >> 28) & 1, f16c = (c >> 29) & 1;
    if (!(osxsave && avx)) return MOECL_PATH_GENERIC;
    unsigned long long xcr0 = xgetbv0();
    if ((xcr0 & 0x6) != 0x6) return MOECL_PATH_GENERIC;  // the OS saves XMM and YMM state
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return MOECL_PATH_GENERIC;
    int avx2 = (b >> 5) & 1, bmi2 = (b >> 8) & 1;
    int avx512f = (b >> 16) & 1, avx512dq = (b >> 17) & 1, avx512cd = (b >> 28) & 1, avx512bw = (b >> 30) & 1,
        avx512vl = (b >> 31) & 1;
    if (!(avx2 && fma && bmi2 && f16c)) return MOECL_PATH_GENERIC;
    // AVX-512 also needs the OS to save the opmask and ZMM state.
    if (avx512f && avx512dq && avx512cd && avx512bw && avx512vl && (xcr0 & 0xE0) == 0xE0) return MOECL_PATH_AVX512;
    return MOECL_PATH_AVX2;
}

/// CPUID is slow (under a hypervisor it traps), so it runs once; callers ask on every product.
static moecl_path best_path = MOECL_PATH_COUNT;

moecl_path moecl_kernels_best_path(void) {
    if (best_path == MOECL_PATH_COUNT) best_path = detect_best_path();
    return best_path;
}

const char *moecl_path_name(moecl_path path) {
    return path >= 0 && path < MOECL_PATH_COUNT ? tables[path]->name : "unknown";
}

const moecl_kernel_table *moecl_kernel_table_for(moecl_path path) {
    if (path < 0 || path >= MOECL_PATH_COUNT || path > moecl_kernels_best_path()) return NULL;
    return tables[path];
}

static moecl_path chosen_path = MOECL_PATH_GENERIC;
static const moecl_kernel_table *active = &moecl_kernels_generic;

/// Runs when the binary is loaded, before any thread of ours exists: MOECL_KERNELS names a path to use instead of
/// the best one (ignored when this CPU cannot run it).
__attribute__((constructor)) static void choose(void) {
    moecl_path best = moecl_kernels_best_path(), path = best;
    const char *wanted = getenv("MOECL_KERNELS");
    if (wanted)
        for (int p = 0; p < MOECL_PATH_COUNT; p++)
            if (strcmp(wanted, tables[p]->name) == 0 && (moecl_path)p <= best) path = (moecl_path)p;
    chosen_path = path;
    active = tables[path];
}

moecl_path moecl_kernels_path(void) { return chosen_path; }
const char *moecl_kernels_name(void) { return active->name; }

void moecl_gelu_row(float *x, long n, const float *bias) { active->gelu_row(x, n, bias); }
void moecl_gelu_backward(const float *u, const float *dy, float *dx, long n) { active->gelu_backward(u, dy, dx, n); }
void moecl_softmax_rows(float *x, long rows, long n, long stride) { active->softmax_rows(x, rows, n, stride); }
void moecl_layernorm_row(float *x, long n, const float *residual, const float *bias, const float *gamma,
                         const float *beta, float eps) {
    active->layernorm_row(x, n, residual, bias, gamma, beta, eps);
}
void moecl_exp_row(float *x, long n) { active->exp_row(x, n); }
void moecl_erf_row(float *x, long n) { active->erf_row(x, n); }
float moecl_dot(const float *a, const float *b, long n) { return active->dot(a, b, n); }
void moecl_attention_head(const float *q, const float *k, const float *v, long stride, long t, long hs, float scale,
                          float *context, long out_stride, float *kt, float *scores) {
    active->attention_head(q, k, v, stride, t, hs, scale, context, out_stride, kt, scores);
}
void moecl_low_rank_dots(const float *rows, long count, const float *factors, long rank, long n, float *out,
                         long out_stride) {
    active->low_rank_dots(rows, count, factors, rank, n, out, out_stride);
}
void moecl_moe_mix_rows(float *hidden, long count, long f, const float *b1, const float *a, long a_stride,
                        const float *gates, const float *up_shared, long r0, const float *up_task, long rt,
                        float *h0, float *ht) {
    active->moe_mix_rows(hidden, count, f, b1, a, a_stride, gates, up_shared, r0, up_task, rt, h0, ht);
}
void moecl_add_low_rank(float *row, long count, const float *z, const float *factors_t, long rank) {
    active->add_low_rank(row, count, z, factors_t, rank);
}
void moecl_packed_gemm(const float *a, long m, long k, long lda, const float *packed, long n, long panel_begin,
                       long panel_end, const float *bias, float *c, long ldc) {
    active->packed_gemm(a, m, k, lda, packed, n, panel_begin, panel_end, bias, c, ldc);
}
