// The avx512 path: AVX-512 F/BW/DQ/VL (Skylake-SP and later, Zen 4 and later).
#include <math.h>
#include <string.h>
#include "moecl_kernels.h"

#define KERNEL_TABLE moecl_kernels_avx512
#define KERNEL_NAME "avx512"
#define KERNEL_GEMM_MR 12
#define KERNEL_GEMM_WIDE 1
#define KERNEL_FMA 1
#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx512cd,avx2,fma,bmi2,f16c"))), apply_to = function)
#include "kernel_body.h"
#pragma clang attribute pop
