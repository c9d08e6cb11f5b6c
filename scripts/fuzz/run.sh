#!/usr/bin/env bash
# Builds the libFuzzer targets of Fuzz/ (AddressSanitizer on, coverage as libFuzzer needs it) and runs each for a
# while on a copy of its committed seed corpus.
#   scripts/fuzz/run.sh SECONDS [TARGET...]   default targets: all six; the corpus copies live in .build-fuzz/corpus
# A crash stops the run with the fuzzer's report and the input (crash-*) in .build-fuzz/artifacts; exit status 1.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds="${1:-60}"; shift || true
targets=("$@"); [ ${#targets[@]} -gt 0 ] || targets=(http-parser safetensors gguf expert-files tokenizer json-bodies)
scratch=.build-fuzz
# SwiftPM does not notice files added to a path dependency's targets (this package, seen from Fuzz/): without its
# cached build plan it plans again, so a new source file is compiled; what is built already is reused.
rm -f "$scratch/release.yaml" "$scratch"/*/release/description.json
# -enable-testing lets fuzz-json-bodies reach the service's request validation (@testable import).
(cd Fuzz && swift build -c release --scratch-path "../$scratch" --sanitize=fuzzer --sanitize=address \
    -Xswiftc -enable-testing -Xswiftc -sanitize-coverage=edge,inline-8bit-counters,pc-table,trace-cmp 2>&1 | grep -E "error|warning: unre|Build complete" || true)
mkdir -p "$scratch/artifacts"
for t in "${targets[@]}"; do
    bin="$scratch/release/fuzz-$t"
    [ -x "$bin" ] || { echo "fuzz: $bin was not built" >&2; exit 1; }
    corpus="$scratch/corpus/$t"; mkdir -p "$corpus"; cp Fuzz/Corpus/"$t"/* "$corpus"/
    log="$scratch/fuzz-$t.log"
    if ! MOECL_FUZZ_MODEL="${MOECL_FUZZ_MODEL:-models/all-MiniLM-L6-v2}" "$bin" -max_total_time="$seconds" -rss_limit_mb=2048 \
        -max_len=8192 -artifact_prefix="$scratch/artifacts/$t-" "$corpus" > "$log" 2>&1; then
        tail -40 "$log" >&2
        echo "fuzz: $t FAILED after $seconds s (input in $scratch/artifacts/)" >&2
        exit 1
    fi
    runs=$(grep -E "^Done [0-9]+ runs" "$log" | awk '{print $2}')
    cov=$(grep -E "DONE" "$log" | tail -1 | sed -E 's/.*cov: ([0-9]+).*/\1/')
    echo "fuzz: $t: $runs inputs in $seconds s, 0 crashes (coverage $cov)"
done
