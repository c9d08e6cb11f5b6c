// The kernels of one path. Included once per path by kernels_<path>.c, inside a `#pragma clang attribute` that sets
// the target ISA of every function here, with KERNEL_TABLE (the table's name) and KERNEL_FMA (1 where the path has
// fused multiply-add) defined. 16-float vectors (clang vector extensions): one zmm on AVX-512, two ymm on AVX2, four
// xmm on plain x86-64. No floating-point contraction: a product and a sum fuse only where FMA() says so, so one path
// gives the same bits on every machine that runs it.
#include "moecl_kernels.h"
#include "moecl_packed.h"
#include <math.h>
#include <string.h>

#pragma clang fp contract(off)
// The vector helpers below are always inlined, so their 64-byte vector arguments never cross a call (the ABI
// warning is about calls that do not happen).
#pragma clang diagnostic ignored "-Wpsabi"
#define INLINE static inline __attribute__((always_inline))

typedef float v16 __attribute__((ext_vector_type(16)));
typedef int v16i __attribute__((ext_vector_type(16)));
typedef float v8 __attribute__((ext_vector_type(8)));
typedef float v4 __attribute__((ext_vector_type(4)));

#if KERNEL_FMA
#define FMA(a, b, c) __builtin_elementwise_fma((a), (b), (c))
#define FMAS(a, b, c) fmaf((a), (b), (c))
#else
#define FMA(a, b, c) ((a) * (b) + (c))
#define FMAS(a, b, c) ((a) * (b) + (c))
#endif

INLINE v16 LD(const float *p) {
    v16 v;
    memcpy(&v, p, sizeof v);
    return v;
}
INLINE void ST(float *p, v16 v) { memcpy(p, &v, sizeof v); }
INLINE v16 SPLAT(float x) { return (v16)x; }
/// m ? a : b per lane (m: all ones or zero, as comparisons give).
INLINE v16 SEL(v16i m, v16 a, v16 b) { return (v16)(((v16i)a & m) | ((v16i)b & ~m)); }
INLINE float HSUM(v16 v) {
    v8 h = __builtin_shufflevector(v, v, 0, 1, 2, 3, 4, 5, 6, 7) +
           __builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15);
    v4 q = __builtin_shufflevector(h, h, 0, 1, 2, 3) + __builtin_shufflevector(h, h, 4, 5, 6, 7);
    return (q[0] + q[2]) + (q[1] + q[3]);
}
INLINE float HMAX(v16 v) {
    float m = v[0];
    for (int i = 1; i < 16; i++) m = v[i] > m ? v[i] : m;
    return m;
}

/// exp to 2e-7 relative on [-87, 88] (range reduction by n·ln2, degree-7 Taylor, 2^n through the exponent
/// bits); x < -87.3 gives 0.
INLINE v16 vexp(v16 x) {
    const v16 lower = SPLAT(-87.3f), upper = SPLAT(88.3f);
    v16 c = SEL(x < lower, lower, x);
    c = SEL(c > upper, upper, c);
    // Round x·log2(e) with the 1.5·2^23 trick: the rounded integer lands in the low mantissa bits.
    const v16 magic = SPLAT(12582912.0f);
    v16 shifted = c * SPLAT(1.4426950408889634f) + magic;
    v16 n = shifted - magic;
    v16 r = FMA(n, SPLAT(-0.693145751953125f), c);  // Cody–Waite: r = x − n·ln2 in two steps
    r = FMA(n, SPLAT(-1.428606765330187e-06f), r);
    v16 p = SPLAT(1.0f / 5040.0f);
    p = FMA(p, r, SPLAT(1.0f / 720.0f));
    p = FMA(p, r, SPLAT(1.0f / 120.0f));
    p = FMA(p, r, SPLAT(1.0f / 24.0f));
    p = FMA(p, r, SPLAT(1.0f / 6.0f));
    p = FMA(p, r, SPLAT(0.5f));
    p = FMA(p, r, SPLAT(1.0f));
    p = FMA(p, r, SPLAT(1.0f));
    v16i integer = (v16i)shifted - 0x4B400000;
    v16 scale = (v16)((integer + 127) << 23);
    return SEL(x < lower, SPLAT(0), p * scale);
}

/// erf to 4e-7 absolute (3.1e-7 measured on [-6, 6] with FMA): x·P(x²)/Q(x²) on x clamped to ±3.925, where
/// float erf is already ±1; P of degree 6, Q of degree 5, fitted towards the minimax error by
/// scripts/kernels/fit_erf.py. One division and 12 multiply-adds: no exp, about 2.5× faster than the erfc form.
INLINE v16 verf(v16 x) {
    v16 c = SEL(x > SPLAT(3.925f), SPLAT(3.925f), x);
    c = SEL(c < SPLAT(-3.925f), SPLAT(-3.925f), c);
    v16 s = c * c;
    v16 p = SPLAT(-1.15841834e-08f);
    p = FMA(p, s, SPLAT(4.39699443e-06f));
    p = FMA(p, s, SPLAT(0.000368130684f));
    p = FMA(p, s, SPLAT(0.00377315748f));
    p = FMA(p, s, SPLAT(0.0539274514f));
    p = FMA(p, s, SPLAT(0.184083953f));
    p = FMA(p, s, SPLAT(1.12837923f));
    v16 q = SPLAT(6.04141205e-05f);
    q = FMA(q, s, SPLAT(0.00127673394f));
    q = FMA(q, s, SPLAT(0.0152684217f));
    q = FMA(q, s, SPLAT(0.113282442f));
    q = FMA(q, s, SPLAT(0.49647364f));
    q = FMA(q, s, SPLAT(1.0f));
    v16 r = c * p / q;
    r = SEL(r > SPLAT(1), SPLAT(1), r);
    return SEL(r < SPLAT(-1), SPLAT(-1), r);
}

INLINE v16 vgelu(v16 v) { return SPLAT(0.5f) * v * (SPLAT(1) + verf(v * SPLAT(0.7071067811865475f))); }
INLINE float sgelu(float v) { return 0.5f * v * (1 + erff(v * 0.7071067811865475f)); }

static void gelu_row(float *x, long n, const float *bias) {
    long i = 0;
    for (; i + 16 <= n; i += 16) {
        v16 v = LD(x + i);
        if (bias) v += LD(bias + i);
        ST(x + i, vgelu(v));
    }
    for (; i < n; i++) x[i] = sgelu(x[i] + (bias ? bias[i] : 0));
}

static void gelu_backward(const float *u, const float *dy, float *dx, long n) {
    long i = 0;
    for (; i + 16 <= n; i += 16) {
        v16 x = LD(u + i), g = LD(dy + i);
        v16 cdf = SPLAT(0.5f) * (SPLAT(1) + verf(x * SPLAT(0.7071067811865475f)));
        v16 pdf = vexp(SPLAT(-0.5f) * x * x) * SPLAT(0.3989422804014327f);
        ST(dx + i, g * (cdf + x * pdf));
    }
    for (; i < n; i++) {
        float x = u[i];
        float cdf = 0.5f * (1 + erff(x * 0.7071067811865475f));
        float pdf = expf(-0.5f * x * x) * 0.3989422804014327f;
        dx[i] = dy[i] * (cdf + x * pdf);
    }
}

static void softmax_rows(float *x, long rows, long n, long stride) {
    for (long r = 0; r < rows; r++) {
        float *p = x + r * stride;
        v16 maxv = SPLAT(-INFINITY);
        float m = -INFINITY;
        long i = 0;
        for (; i + 16 <= n; i += 16) {
            v16 v = LD(p + i);
            maxv = SEL(v > maxv, v, maxv);
        }
        for (; i < n; i++) m = p[i] > m ? p[i] : m;
        float vm = HMAX(maxv);
        m = vm > m ? vm : m;
        v16 mv = SPLAT(m), sumv = SPLAT(0);
        float sum = 0;
        for (i = 0; i + 16 <= n; i += 16) {
            v16 e = vexp(LD(p + i) - mv);
            ST(p + i, e);
            sumv += e;
        }
        if (i < n) {  // tail: pad with −inf so exp gives 0
            v16 v = SPLAT(-INFINITY);
            for (long j = i; j < n; j++) v[j - i] = p[j];
            v16 e = vexp(v - mv);
            for (long j = i; j < n; j++) {
                p[j] = e[j - i];
                sum += e[j - i];
            }
        }
        float inv = 1 / (sum + HSUM(sumv));
        v16 iv = SPLAT(inv);
        for (i = 0; i + 16 <= n; i += 16) ST(p + i, LD(p + i) * iv);
        for (; i < n; i++) p[i] *= inv;
    }
}

static void layernorm_row(float *x, long n, const float *residual, const float *bias, const float *gamma,
                          const float *beta, float eps) {
    v16 sumv = SPLAT(0);
    float sum = 0;
    long i = 0;
    for (; i + 16 <= n; i += 16) {  // x += residual + bias, and the sum
        v16 v = LD(x + i);
        if (residual) v += LD(residual + i);
        if (bias) v += LD(bias + i);
        ST(x + i, v);
        sumv += v;
    }
    for (; i < n; i++) {
        x[i] += (residual ? residual[i] : 0) + (bias ? bias[i] : 0);
        sum += x[i];
    }
    float mean = (sum + HSUM(sumv)) / (float)n;
    v16 meanv = SPLAT(mean), varv = SPLAT(0);  // variance around the mean (two passes, for accuracy)
    float variance = 0;
    for (i = 0; i + 16 <= n; i += 16) {
        v16 d = LD(x + i) - meanv;
        varv = FMA(d, d, varv);
    }
    for (; i < n; i++) {
        float d = x[i] - mean;
        variance += d * d;
    }
    float inv = 1 / sqrtf((variance + HSUM(varv)) / (float)n + eps);
    v16 invv = SPLAT(inv);
    for (i = 0; i + 16 <= n; i += 16) ST(x + i, (LD(x + i) - meanv) * invv * LD(gamma + i) + LD(beta + i));
    for (; i < n; i++) x[i] = (x[i] - mean) * inv * gamma[i] + beta[i];
}

/// x[i] = f(x[i]) for a vector function f; the tail padded to a whole vector with zeros.
INLINE void map_row(float *x, long n, v16 (*f)(v16)) {
    long i = 0;
    for (; i + 16 <= n; i += 16) ST(x + i, f(LD(x + i)));
    if (i < n) {
        v16 v = SPLAT(0);
        for (long j = i; j < n; j++) v[j - i] = x[j];
        v = f(v);
        for (long j = i; j < n; j++) x[j] = v[j - i];
    }
}

static void exp_row(float *x, long n) { map_row(x, n, vexp); }
static void erf_row(float *x, long n) { map_row(x, n, verf); }

static float dot(const float *a, const float *b, long n) {
    v16 s0 = SPLAT(0), s1 = SPLAT(0);
    long i = 0;
    for (; i + 32 <= n; i += 32) {
        s0 = FMA(LD(a + i), LD(b + i), s0);
        s1 = FMA(LD(a + i + 16), LD(b + i + 16), s1);
    }
    for (; i + 16 <= n; i += 16) s0 = FMA(LD(a + i), LD(b + i), s0);
    float sum = HSUM(s0 + s1);
    for (; i < n; i++) sum += a[i] * b[i];
    return sum;
}

#include "gemm_body.h"

/// One head: the scores and the context are both products of the packed micro-kernel (gemm_body.h). `kt` first
/// holds K scaled and packed as weights (panels of 32 keys, k-major over the head's columns), then V packed the
/// same way (panels of 32 head columns, k-major over the keys); moecl_attention_scratch says how many floats.
static void attention_head(const float *q, const float *k, const float *v, long stride, long t, long hs,
                           float scale, float *context, long out_stride, float *kt, float *scores) {
    long key_panels = (t + GEMM_NR - 1) / GEMM_NR, column_panels = (hs + GEMM_NR - 1) / GEMM_NR;
    for (long p = 0; p < key_panels; p++)  // scores = Q · (scale · K)ᵀ
        for (long c = 0; c < hs; c++) {
            float *dst = kt + (p * hs + c) * GEMM_NR;
            for (long j = 0; j < GEMM_NR; j++) {
                long key = p * GEMM_NR + j;
                dst[j] = key < t ? scale * k[key * stride + c] : 0;
            }
        }
    packed_gemm(q, t, hs, stride, kt, t, 0, key_panels, NULL, scores, t);
    softmax_rows(scores, t, t, t);
    for (long p = 0; p < column_panels; p++)  // context = P · V
        for (long j = 0; j < t; j++) {
            float *dst = kt + (p * t + j) * GEMM_NR;
            for (long c = 0; c < GEMM_NR; c++) {
                long column = p * GEMM_NR + c;
                dst[c] = column < hs ? v[j * stride + column] : 0;
            }
        }
    packed_gemm(scores, t, t, t, kt, hs, 0, column_panels, NULL, context, out_stride);
}

/// 4 rows × 4 factor rows with 16 accumulators in registers: each pair of loads feeds two FMAs on average.
INLINE void block4x4(const float *r, const float *f, long n, float *out, long out_stride) {
    v16 c[4][4];
    for (int i = 0; i < 4; i++)
        for (int k = 0; k < 4; k++) c[i][k] = SPLAT(0);
    long j = 0;
    for (; j + 16 <= n; j += 16) {
        v16 f0 = LD(f + j), f1 = LD(f + n + j), f2 = LD(f + 2 * n + j), f3 = LD(f + 3 * n + j);
        for (int i = 0; i < 4; i++) {
            v16 ri = LD(r + i * n + j);
            c[i][0] = FMA(ri, f0, c[i][0]);
            c[i][1] = FMA(ri, f1, c[i][1]);
            c[i][2] = FMA(ri, f2, c[i][2]);
            c[i][3] = FMA(ri, f3, c[i][3]);
        }
    }
    for (int i = 0; i < 4; i++)
        for (int k = 0; k < 4; k++) {
            float s = HSUM(c[i][k]);
            for (long jj = j; jj < n; jj++) s += r[i * n + jj] * f[k * n + jj];
            out[i * out_stride + k] = s;
        }
}

INLINE float dot16(const float *a, const float *b, long n) {
    v16 acc = SPLAT(0);
    long j = 0;
    for (; j + 16 <= n; j += 16) acc = FMA(LD(a + j), LD(b + j), acc);
    float s = HSUM(acc);
    for (; j < n; j++) s += a[j] * b[j];
    return s;
}

static void low_rank_dots(const float *rows, long count, const float *factors, long rank, long n, float *out,
                          long out_stride) {
    long t = 0;
    for (; t + 4 <= count; t += 4) {
        long k = 0;
        for (; k + 4 <= rank; k += 4) block4x4(rows + t * n, factors + k * n, n, out + t * out_stride + k, out_stride);
        for (; k < rank; k++)
            for (int i = 0; i < 4; i++) out[(t + i) * out_stride + k] = dot16(rows + (t + i) * n, factors + k * n, n);
    }
    for (; t < count; t++)
        for (long k = 0; k < rank; k++) out[t * out_stride + k] = dot16(rows + t * n, factors + k * n, n);
}

/// base + Σ_k a[k] · rows[k·stride ..< k·stride + 16].
INLINE v16 low_rank_update(v16 base, const float *a, const float *rows, long rank, long stride) {
    v16 sum = base;
    for (long k = 0; k < rank; k++, rows += stride) sum = FMA(SPLAT(a[k]), LD(rows), sum);
    return sum;
}

static void moe_mix_rows(float *hidden, long count, long f, const float *b1, const float *a, long a_stride,
                         const float *gates, const float *up_shared, long r0, const float *up_task, long rt,
                         float *h0, float *ht) {
    long j = 0;
    for (; j + 16 <= f; j += 16) {  // one pass over f per tile: the factors stream once for all its rows
        v16 bias = LD(b1 + j);
        for (long t = 0; t < count; t++) {
            const float *at = a + t * a_stride;
            float *u = hidden + t * f + j;
            v16 base = LD(u) + bias;
            v16 v0 = vgelu(low_rank_update(base, at, up_shared + j, r0, f));
            v16 vt = vgelu(low_rank_update(base, at + r0, up_task + j, rt, f));
            ST(h0 + t * f + j, v0);
            ST(ht + t * f + j, vt);
            ST(u, vt + SPLAT(gates[2 * t]) * (v0 - vt));
        }
    }
    for (long t = 0; t < count && j < f; t++) {
        const float *at = a + t * a_stride;
        float *u = hidden + t * f, *h0t = h0 + t * f, *htt = ht + t * f;
        float g0 = gates[2 * t];
        for (long jj = j; jj < f; jj++) {
            float base = u[jj] + b1[jj], u0 = base, ut = base;
            for (long k = 0; k < r0; k++) u0 = FMAS(at[k], up_shared[k * f + jj], u0);
            for (long k = 0; k < rt; k++) ut = FMAS(at[r0 + k], up_task[k * f + jj], ut);
            h0t[jj] = sgelu(u0);
            htt[jj] = sgelu(ut);
            u[jj] = htt[jj] + g0 * (h0t[jj] - htt[jj]);
        }
    }
}

static void add_low_rank(float *row, long count, const float *z, const float *factors_t, long rank) {
    long j = 0;
    for (; j + 16 <= count; j += 16) {
        v16 acc = LD(row + j);
        for (long k = 0; k < rank; k++) acc = FMA(SPLAT(z[k]), LD(factors_t + k * count + j), acc);
        ST(row + j, acc);
    }
    for (; j < count; j++) {
        float acc = row[j];
        for (long k = 0; k < rank; k++) acc = FMAS(z[k], factors_t[k * count + j], acc);
        row[j] = acc;
    }
}

const moecl_kernel_table KERNEL_TABLE = {
    .name = KERNEL_NAME,
    .gelu_row = gelu_row,
    .gelu_backward = gelu_backward,
    .softmax_rows = softmax_rows,
    .layernorm_row = layernorm_row,
    .exp_row = exp_row,
    .erf_row = erf_row,
    .dot = dot,
    .attention_head = attention_head,
    .low_rank_dots = low_rank_dots,
    .moe_mix_rows = moe_mix_rows,
    .add_low_rank = add_low_rank,
    .packed_gemm = packed_gemm,
};
