#!/usr/bin/env bash
# Prints the swift build flags that select the CPU level for moecl's own SIMD kernels.
#   MOECL_TARGET_CPU=skylake-avx512|haswell|<any LLVM CPU name>|none   overrides the detection (a portable image sets haswell or none:
#   the build machine's CPU must not leak into an image for unknown hosts).
# Default: the best x86-64 level this machine supports (skylake-avx512 = AVX-512, haswell = AVX2/FMA), else nothing.
set -euo pipefail
level="${MOECL_TARGET_CPU:-}"
if [ -z "$level" ]; then
    flags=$(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null || true)
    has() { case " $flags " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
    if has avx512f && has avx512bw && has avx512vl && has avx512dq && has avx512cd && has avx2 && has fma; then
        level=skylake-avx512
    elif has avx2 && has fma && has bmi2 && has f16c; then
        level=haswell
    else
        level=none
    fi
fi
[ "$level" = "none" ] || printf -- '-Xswiftc -target-cpu -Xswiftc %s\n' "$level"
