#!/usr/bin/env bash
# Prints extra swift build flags for the CPU level of moecl's Swift code. By default none: the kernels that need wide
# vectors and FMA live in the CKernels C target, compiled for every x86-64 level and chosen by CPUID when the binary
# starts (run-time dispatch), so the default build runs at full speed on any x86-64 machine and never depends on the
# build machine's CPU.
#   MOECL_TARGET_CPU=<an LLVM CPU name, e.g. haswell or skylake-avx512>   compiles the Swift code for that CPU
#   (a binary then only runs there; measured no faster, docs/PERFORMANCE.md). none or unset: portable.
set -euo pipefail
level="${MOECL_TARGET_CPU:-none}"
[ "$level" = "none" ] || printf -- '-Xswiftc -target-cpu -Xswiftc %s\n' "$level"
