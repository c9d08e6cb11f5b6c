// Packing of float weights for the packed product (moecl_packed.h); the products are in gemm_body.h, per path.
#include "moecl_kernels.h"
#include "moecl_packed.h"
#include <string.h>

long moecl_packed_panels(long n) { return (n + MOECL_PACKED_NR - 1) / MOECL_PACKED_NR; }

void moecl_packed_pack(const float *w, long n, long k, long ldw, float *packed) {
    long panels = moecl_packed_panels(n);
    memset(packed, 0, sizeof(float) * (size_t)(panels * k * MOECL_PACKED_NR));
    for (long j = 0; j < n; j++) {
        float *column = packed + (j / MOECL_PACKED_NR) * k * MOECL_PACKED_NR + j % MOECL_PACKED_NR;
        for (long kk = 0; kk < k; kk++) column[kk * MOECL_PACKED_NR] = w[j * ldw + kk];
    }
}

long moecl_attention_scratch(long t, long hs) {
    long keys = moecl_packed_panels(t) * MOECL_PACKED_NR * hs, values = t * moecl_packed_panels(hs) * MOECL_PACKED_NR;
    return keys > values ? keys : values;
}
