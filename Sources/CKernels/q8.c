// int8 packing, row quantisation and the block-scaled int8 product on each path (moecl_q8.h). Per-function target
// attributes: the AVX2 and AVX-512 VNNI functions only run where moecl_q8_best_path() says the CPU has them.
#include "moecl_q8.h"
#include "moecl_kernels.h"
#include <cpuid.h>
#include <immintrin.h>
#include <math.h>
#include <string.h>

#define BLOCK MOECL_Q8_BLOCK
#define GROUPS (BLOCK / 4) /* groups of 4 k per block */

long moecl_q8_padded_k(long k) { return (k + BLOCK - 1) / BLOCK * BLOCK; }
long moecl_q8_padded_n(long n) { return (n + 15) / 16 * 16; }

static int8_t quantise(float x, float inverse) {
    long v = lrintf(x * inverse);
    return (int8_t)(v > 127 ? 127 : v < -127 ? -127 : v);
}

/// Quantises values[0 ..< count] (count ≤ BLOCK, the rest of the block is zero) into out; returns the scale.
static float quantise_block(const float *values, long count, int8_t *out, long out_stride) {
    float maxabs = 0;
    for (long i = 0; i < count; i++) maxabs = fabsf(values[i]) > maxabs ? fabsf(values[i]) : maxabs;
    float inverse = maxabs > 0 ? 127.0f / maxabs : 0;
    for (long i = 0; i < count; i++) out[i * out_stride] = quantise(values[i], inverse);
    return maxabs / 127.0f;
}

void moecl_q8_pack(const float *w, long n, long k, long ldw, int8_t *packed, float *scales, int32_t *column_sums) {
    long kp = moecl_q8_padded_k(k), np = moecl_q8_padded_n(n), blocks = kp / BLOCK;
    memset(packed, 0, (size_t)(np * kp));
    memset(scales, 0, sizeof(float) * (size_t)(np * blocks));
    memset(column_sums, 0, sizeof(int32_t) * (size_t)(np * blocks));
    for (long j = 0; j < n; j++) {
        long panel = j / 16, col = j % 16;
        int8_t *base = packed + panel * kp * 16 + col * 4;
        for (long b = 0; b < blocks; b++) {
            long start = b * BLOCK, count = k - start < BLOCK ? k - start : BLOCK;
            if (count <= 0) break;
            int8_t q[BLOCK];
            long index = (panel * blocks + b) * 16 + col;
            scales[index] = quantise_block(w + j * ldw + start, count, q, 1);
            int32_t sum = 0;
            for (long i = 0; i < count; i++) {
                long kk = start + i;
                base[(kk / 4) * 64 + kk % 4] = q[i];
                sum += q[i];
            }
            column_sums[index] = sum;
        }
    }
}

/// Scalar form of one row (every path's tail, and the generic path).
static void quantise_row_scalar(const float *a, long k, long kp, int8_t *out, float *scales) {
    memset(out, 0, (size_t)kp);
    for (long b = 0; b < kp / BLOCK; b++) {
        long start = b * BLOCK, count = k - start < BLOCK ? k - start : BLOCK;
        scales[b] = count > 0 ? quantise_block(a + start, count, out + start, 1) : 0;
    }
}

/// AVX2 form of one row: whole blocks of 32 vectorised (round to nearest even, as lrintf), the rest scalar.
__attribute__((target("avx2,fma"))) static void quantise_row_avx2(const float *a, long k, long kp, int8_t *out,
                                                                   float *scales) {
    long full = BLOCK == 32 ? k / 32 : 0;
    const __m256 sign = _mm256_set1_ps(-0.0f);
    const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    for (long b = 0; b < full; b++) {
        const float *x = a + b * 32;
        __m256 v[4], m = _mm256_setzero_ps();
        for (int t = 0; t < 4; t++) {
            v[t] = _mm256_loadu_ps(x + 8 * t);
            m = _mm256_max_ps(m, _mm256_andnot_ps(sign, v[t]));
        }
        __m128 h = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
        h = _mm_max_ps(h, _mm_movehl_ps(h, h));
        h = _mm_max_ss(h, _mm_shuffle_ps(h, h, 1));
        float maxabs = _mm_cvtss_f32(h), inverse = maxabs > 0 ? 127.0f / maxabs : 0;
        scales[b] = maxabs / 127.0f;
        __m256 iv = _mm256_set1_ps(inverse);
        __m256i i[4];
        for (int t = 0; t < 4; t++) i[t] = _mm256_cvtps_epi32(_mm256_mul_ps(v[t], iv));
        // |x · 127 / max| ≤ 127, so the saturating packs only reorder: fix the lane order after them.
        __m256i packed = _mm256_packs_epi16(_mm256_packs_epi32(i[0], i[1]), _mm256_packs_epi32(i[2], i[3]));
        _mm256_storeu_si256((__m256i *)(out + b * 32), _mm256_permutevar8x32_epi32(packed, order));
    }
    quantise_row_scalar(a + full * 32, k - full * 32, kp - full * 32, out + full * 32, scales + full);
}

/// AVX-512 form of one row: whole blocks of 32 vectorised, the rest scalar.
__attribute__((target("avx512f,avx512bw,avx512vl"))) static void quantise_row_avx512(const float *a, long k, long kp,
                                                                                      int8_t *out, float *scales) {
    long full = BLOCK == 32 ? k / 32 : 0;
    for (long b = 0; b < full; b++) {
        const float *x = a + b * 32;
        __m512 v0 = _mm512_loadu_ps(x), v1 = _mm512_loadu_ps(x + 16);
        float maxabs = _mm512_reduce_max_ps(_mm512_max_ps(_mm512_abs_ps(v0), _mm512_abs_ps(v1)));
        float inverse = maxabs > 0 ? 127.0f / maxabs : 0;
        scales[b] = maxabs / 127.0f;
        __m512 iv = _mm512_set1_ps(inverse);
        __m128i q0 = _mm512_cvtsepi32_epi8(_mm512_cvtps_epi32(_mm512_mul_ps(v0, iv)));
        __m128i q1 = _mm512_cvtsepi32_epi8(_mm512_cvtps_epi32(_mm512_mul_ps(v1, iv)));
        _mm_storeu_si128((__m128i *)(out + b * 32), q0);
        _mm_storeu_si128((__m128i *)(out + b * 32 + 16), q1);
    }
    quantise_row_scalar(a + full * 32, k - full * 32, kp - full * 32, out + full * 32, scales + full);
}

void moecl_q8_quantize_rows(moecl_q8_path path, const float *a, long m, long k, long lda, int8_t *q,
                            float *scales) {
    long kp = moecl_q8_padded_k(k), blocks = kp / BLOCK;
    for (long i = 0; i < m; i++) {
        int8_t *out = q + i * kp;
        switch (path) {
        case MOECL_Q8_AVX512_VNNI: quantise_row_avx512(a + i * lda, k, kp, out, scales + i * blocks); break;
        case MOECL_Q8_AVX2: quantise_row_avx2(a + i * lda, k, kp, out, scales + i * blocks); break;
        default: quantise_row_scalar(a + i * lda, k, kp, out, scales + i * blocks);
        }
        // The VNNI product takes unsigned bytes: a + 128 (its column term subtracts 128 · Σw again).
        if (path == MOECL_Q8_AVX512_VNNI)
            for (long j = 0; j < kp; j++) out[j] = (int8_t)((uint8_t)out[j] ^ 0x80);
    }
}

// --- plain C ---------------------------------------------------------------------------------------------------

static void gemm_generic(const int8_t *q, const float *as, long m, long kp, const int8_t *packed, const float *ws,
                         long n, long p0, long p1, const float *bias, float *c, long ldc) {
    long blocks = kp / BLOCK;
    for (long p = p0; p < p1; p++) {
        const int8_t *panel = packed + p * kp * 16;
        for (long i = 0; i < m; i++) {
            float acc[16] = {0};
            for (long b = 0; b < blocks; b++) {
                int32_t dot[16] = {0};
                for (long g = b * GROUPS; g < (b + 1) * GROUPS; g++)
                    for (int col = 0; col < 16; col++)
                        for (int t = 0; t < 4; t++)
                            dot[col] += (int32_t)q[i * kp + g * 4 + t] * panel[g * 64 + col * 4 + t];
                for (int col = 0; col < 16; col++)
                    acc[col] += (float)dot[col] * (as[i * blocks + b] * ws[(p * blocks + b) * 16 + col]);
            }
            for (int col = 0; col < 16 && p * 16 + col < n; col++) {
                long j = p * 16 + col;
                c[i * ldc + j] = acc[col] + (bias ? bias[j] : 0);
            }
        }
    }
}

// --- AVX2: |a| (u8) · sign(a)·w (s8) by vpmaddubsw, pairs summed by vpmaddwd, 8 columns at a time --------------

#define AVX2 __attribute__((target("avx2,fma"), always_inline)) static inline

AVX2 void block_avx2(int rows, const int8_t *q, const float *as, long kp, const int8_t *panel, const float *ws,
                     long n, long j0, int half, const float *bias, float *c, long ldc) {
    long blocks = kp / BLOCK;
    __m256 acc[4];
    for (int r = 0; r < 4; r++) acc[r] = _mm256_setzero_ps();
    const __m256i ones = _mm256_set1_epi16(1);
    for (long b = 0; b < blocks; b++) {
        __m256i dot[4];
        for (int r = 0; r < 4; r++) dot[r] = _mm256_setzero_si256();
        for (long g = b * GROUPS; g < (b + 1) * GROUPS; g++) {
            __m256i w = _mm256_loadu_si256((const __m256i *)(panel + g * 64 + half * 32));
            for (int r = 0; r < rows; r++) {
                int32_t word;
                memcpy(&word, q + r * kp + g * 4, 4);
                __m256i a = _mm256_set1_epi32(word);
                __m256i products = _mm256_maddubs_epi16(_mm256_abs_epi8(a), _mm256_sign_epi8(w, a));
                dot[r] = _mm256_add_epi32(dot[r], _mm256_madd_epi16(products, ones));
            }
        }
        __m256 wsv = _mm256_loadu_ps(ws + b * 16 + half * 8);
        for (int r = 0; r < rows; r++)
            acc[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot[r]), _mm256_mul_ps(wsv, _mm256_set1_ps(as[r * blocks + b])),
                                     acc[r]);
    }
    long count = n - j0 < 8 ? n - j0 : 8;
    for (int r = 0; r < rows; r++) {
        float out[8];
        _mm256_storeu_ps(out, acc[r]);
        for (long t = 0; t < count; t++) c[r * ldc + j0 + t] = out[t] + (bias ? bias[j0 + t] : 0);
    }
}

__attribute__((target("avx2,fma"))) static void gemm_avx2(const int8_t *q, const float *as, long m, long kp,
                                                           const int8_t *packed, const float *ws, long n, long p0,
                                                           long p1, const float *bias, float *c, long ldc) {
    long blocks = kp / BLOCK;
    for (long p = p0; p < p1; p++) {
        const int8_t *panel = packed + p * kp * 16;
        const float *wsp = ws + p * blocks * 16;
        for (int half = 0; half < 2 && p * 16 + half * 8 < n; half++) {
            long j0 = p * 16 + half * 8, i = 0;
            for (; i + 4 <= m; i += 4)
                block_avx2(4, q + i * kp, as + i * blocks, kp, panel, wsp, n, j0, half, bias, c + i * ldc, ldc);
            for (; i < m; i++)
                block_avx2(1, q + i * kp, as + i * blocks, kp, panel, wsp, n, j0, half, bias, c + i * ldc, ldc);
        }
    }
}

// --- AVX-512 VNNI: (a + 128) (u8) · w (s8) by vpdpbusd, minus 128 · Σw per column and block ---------------------

#define VNNI __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni"), always_inline)) static inline

VNNI void block_vnni(int rows, int panels, const int8_t *q, const float *as, long kp, const int8_t *packed,
                     const float *ws, const int32_t *cs, long n, long col0, const float *bias, float *c, long ldc) {
    long blocks = kp / BLOCK;
    __m512 acc[4][2];
    for (int r = 0; r < 4; r++) acc[r][0] = acc[r][1] = _mm512_setzero_ps();
    for (long b = 0; b < blocks; b++) {
        __m512i dot[4][2];
        for (int r = 0; r < 4; r++) dot[r][0] = dot[r][1] = _mm512_setzero_si512();
        for (long g = b * GROUPS; g < (b + 1) * GROUPS; g++) {
            __m512i w[2];
            for (int p = 0; p < panels; p++) w[p] = _mm512_loadu_si512(packed + p * kp * 16 + g * 64);
            for (int r = 0; r < rows; r++) {
                int32_t word;
                memcpy(&word, q + r * kp + g * 4, 4);
                __m512i a = _mm512_set1_epi32(word);  // already u8 = a + 128
                for (int p = 0; p < panels; p++) dot[r][p] = _mm512_dpbusd_epi32(dot[r][p], a, w[p]);
            }
        }
        for (int p = 0; p < panels; p++) {
            long index = (p * blocks + b) * 16;
            __m512 wsv = _mm512_loadu_ps(ws + index);
            __m512i offset = _mm512_slli_epi32(_mm512_loadu_si512(cs + index), 7);
            for (int r = 0; r < rows; r++) {
                __m512 d = _mm512_cvtepi32_ps(_mm512_sub_epi32(dot[r][p], offset));
                acc[r][p] = _mm512_fmadd_ps(d, _mm512_mul_ps(wsv, _mm512_set1_ps(as[r * blocks + b])), acc[r][p]);
            }
        }
    }
    for (int p = 0; p < panels; p++) {
        long j0 = col0 + p * 16;
        if (j0 >= n) break;
        __mmask16 mask = j0 + 16 <= n ? (__mmask16)0xFFFF : (__mmask16)((1u << (n - j0)) - 1);
        __m512 bv = bias ? _mm512_maskz_loadu_ps(mask, bias + j0) : _mm512_setzero_ps();
        for (int r = 0; r < rows; r++) _mm512_mask_storeu_ps(c + r * ldc + j0, mask, _mm512_add_ps(acc[r][p], bv));
    }
}

#define VNNI_CASE(R, P) \
    case R * 8 + P: block_vnni(R, P, qi, asi, kp, panel, wsp, csp, n, p * 16, bias, ci, ldc); break;

__attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni"))) static void gemm_vnni(
    const int8_t *q, const float *as, long m, long kp, const int8_t *packed, const float *ws, const int32_t *cs,
    long n, long p0, long p1, const float *bias, float *c, long ldc) {
    long blocks = kp / BLOCK;
    for (long p = p0; p < p1; p += 2) {
        int panels = p1 - p < 2 ? (int)(p1 - p) : 2;
        const int8_t *panel = packed + p * kp * 16;
        const float *wsp = ws + p * blocks * 16;
        const int32_t *csp = cs + p * blocks * 16;
        for (long i = 0; i < m; i += 4) {
            int rows = m - i < 4 ? (int)(m - i) : 4;
            const int8_t *qi = q + i * kp;
            const float *asi = as + i * blocks;
            float *ci = c + i * ldc;
            switch (rows * 8 + panels) {
                VNNI_CASE(1, 1) VNNI_CASE(1, 2) VNNI_CASE(2, 1) VNNI_CASE(2, 2)
                VNNI_CASE(3, 1) VNNI_CASE(3, 2) VNNI_CASE(4, 1) VNNI_CASE(4, 2)
            }
        }
    }
}

moecl_q8_path moecl_q8_best_path(void) {
    moecl_path best = moecl_kernels_best_path();
    if (best < MOECL_PATH_AVX2) return MOECL_Q8_GENERIC;
    unsigned a, b, c, d;
    if (best == MOECL_PATH_AVX512 && __get_cpuid_count(7, 0, &a, &b, &c, &d) && ((c >> 11) & 1))
        return MOECL_Q8_AVX512_VNNI;
    return MOECL_Q8_AVX2;
}

void moecl_q8_gemm(moecl_q8_path path, const int8_t *q, const float *a_scales, long m, long k,
                   const int8_t *packed, const float *w_scales, const int32_t *column_sums, long n,
                   long panel_begin, long panel_end, const float *bias, float *c, long ldc) {
    long kp = moecl_q8_padded_k(k);
    switch (path) {
    case MOECL_Q8_AVX512_VNNI:
        gemm_vnni(q, a_scales, m, kp, packed, w_scales, column_sums, n, panel_begin, panel_end, bias, c, ldc);
        break;
    case MOECL_Q8_AVX2:
        gemm_avx2(q, a_scales, m, kp, packed, w_scales, n, panel_begin, panel_end, bias, c, ldc);
        break;
    default:
        gemm_generic(q, a_scales, m, kp, packed, w_scales, n, panel_begin, panel_end, bias, c, ldc);
    }
}
