#!/usr/bin/env bash
# The kernel paths side by side (issue 19, run-time dispatch): `moecl bench moe` (bare encoder, MoE-CL, MoE-CL with
# 5 tasks mixed) under MOECL_KERNELS=generic, avx2 and avx512 (those this CPU runs), interleaved over ROUNDS, and
# optionally the same for other binaries (e.g. one built with MOECL_TARGET_CPU=skylake-avx512, the old default).
#
# Usage: scripts/bench/dispatch_bench.sh [ROUNDS] [THREADS] [BINARY ...]   (default: 3 rounds, 1 thread,
#        .build/release/moecl). Prints one JSON line per binary, path, batch and round, then a median table.
set -euo pipefail
rounds=${1:-3} threads=${2:-1}
shift $(( $# < 2 ? $# : 2 ))
bins=("$@")
[[ ${#bins[@]} -gt 0 ]] || bins=(.build/release/moecl)
texts=${TEXTS:-../shared/data/moderation-en/sms-spam/test.jsonl}
[[ -f $texts ]] || { echo "dispatch_bench: no texts at $texts (needs ../shared/data, or set TEXTS)" >&2; exit 2; }
lscpu | grep -E "Model name" | sed 's/  */ /g'
out=$(mktemp)
for round in $(seq "$rounds"); do
  for bin in "${bins[@]}"; do
    for path in generic avx2 avx512; do
      for batch in 1 8 32; do
        line=$(MOECL_KERNELS=$path "$bin" bench moe --texts "$texts" --batch "$batch" --threads "$threads" \
          --rounds 1 --runs 8 2>/dev/null | tail -1) || continue
        echo "{\"binary\":\"$bin\",\"path\":\"$path\",\"round\":$round,\"result\":$line}" | tee -a "$out"
      done
    done
  done
done
python3 - "$out" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
cells = {}
for r in rows:
    v = r["result"]["variants"]
    key = (r["binary"], r["path"], r["result"]["batch"])
    cells.setdefault(key, []).append((v["encoder"]["median_ms"], v["moe"]["median_ms"], v["moe-mixed"]["median_ms"]))
print("| binary | MOECL_KERNELS | batch | encoder ms | MoE-CL ms | MoE-CL 5 tasks mixed ms | rounds |")
print("|---|---|---:|---:|---:|---:|---:|")
for (b, p, n), xs in sorted(cells.items(), key=lambda kv: (kv[0][0], kv[0][2], kv[0][1])):
    med = [statistics.median(x[i] for x in xs) for i in range(3)]
    print(f"| {b} | {p} | {n} | {med[0]:.2f} | {med[1]:.2f} | {med[2]:.2f} | {len(xs)} |")
PY
rm -f "$out"
