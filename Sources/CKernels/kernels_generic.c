// The generic path: plain x86-64 (SSE2), no FMA: what any x86-64 CPU runs.
#include <math.h>
#include <string.h>
#include "moecl_kernels.h"

#define KERNEL_TABLE moecl_kernels_generic
#define KERNEL_NAME "generic"
#define KERNEL_GEMM_MR 2
#define KERNEL_GEMM_WIDE 0
#define KERNEL_FMA 0
#include "kernel_body.h"
