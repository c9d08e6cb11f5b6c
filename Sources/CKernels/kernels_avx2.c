// The avx2 path: AVX2 with FMA (Haswell and later, Zen).
#include <math.h>
#include <string.h>
#include "moecl_kernels.h"

#define KERNEL_TABLE moecl_kernels_avx2
#define KERNEL_NAME "avx2"
#define KERNEL_GEMM_MR 6
#define KERNEL_GEMM_WIDE 0
#define KERNEL_FMA 1
#pragma clang attribute push(__attribute__((target("avx2,fma,bmi2,f16c"))), apply_to = function)
#include "kernel_body.h"
#pragma clang attribute pop
