#!/usr/bin/env bash
# Choices on dev (issue 18, point 2): MoE-CL variants on one task sequence, each over seeds, every task's training
# split subsampled identically (TRAIN_LIMIT texts, default 1000) so the 2-core machine can run them. After each run a
# small summary (final dev and test accuracy per task, wall seconds) goes to OUT/runs/<variant>-s<seed>.json, which is
# committed: a later session skips what is there (runs/ is not kept), and dev_choices.py tabulates all of them.
#
# Usage: scripts/results/dev_choices.sh SUITE ORDER OUT [SEEDS] [VARIANTS]
#   e.g. scripts/results/dev_choices.sh ../shared/data/moderation-en \
#          youtube-spam,tweeteval-hate,sms-spam,clickbait,tweeteval-offensive docs/results/dev-choices 1,2,3
# VARIANTS: names from the table below (default: all).
set -euo pipefail
suite=$1 order=$2 out=$3 seeds=${4:-1,2,3}
bin=${MOECL_BIN:-.build/release/moecl}
limit=${TRAIN_LIMIT:-1000}
declare -A flags=(
  [default]=""
  [reversed-0.1]="--lambda 0.1"
  [confusion-0.01]="--adversarial-objective confusion --lambda 0.01"
  [confusion-0.1]="--adversarial-objective confusion --lambda 0.1"
  [no-adversarial]="--method moe-cl-no-adversarial"
  [rank-4]="--rank 4 --alpha 8"
  [rank-16]="--rank 16 --alpha 32"
  [shared-lr-1]="--shared-lr-scale 1"
  [gate-std-0.02]="--gate-init-std 0.02"
)
variants=${5:-"default reversed-0.1 confusion-0.01 confusion-0.1 no-adversarial rank-4 rank-16 shared-lr-1 gate-std-0.02"}
mkdir -p "$out/runs"
for seed in ${seeds//,/ }; do
  for v in $variants; do
    [[ -v flags[$v] ]] || { echo "dev_choices: unknown variant $v" >&2; exit 2; }
    summary="$out/runs/$v-s$seed.json"
    [[ -f $summary ]] && continue
    run="runs/dev-choices/$v/s$seed"
    start=$(date +%s)
    # shellcheck disable=SC2086
    "$bin" train --suite "$suite" --order "$order" --method moe-cl --seed "$seed" --train-limit "$limit" \
      --out "$run" $([[ -f $run/run.json ]] && echo --resume) ${flags[$v]}
    python3 - "$run" "$v" "$seed" "$(( $(date +%s) - start ))" "$limit" "${flags[$v]}" >"$summary.tmp" <<'PY'
import glob, json, os, sys
run, variant, seed, wall, limit, flags = sys.argv[1:]
last = max(glob.glob(os.path.join(run, "stage-*.json")), key=lambda p: int(p.rsplit("-", 1)[1].split(".")[0]))
stage = json.load(open(last))
def accuracy(split):
    right = sum(max(range(len(s)), key=s.__getitem__) == y for s, y in zip(split["scores"], split["labels"]))
    return right / len(split["labels"])
print(json.dumps({"variant": variant, "flags": flags, "seed": int(seed), "train_limit": int(limit),
                  "wall_seconds": int(wall), "order": [e["task"] for e in stage["evaluations"]],
                  "dev": {e["task"]: accuracy(e["dev"]) for e in stage["evaluations"]},
                  "test": {e["task"]: accuracy(e["test"]) for e in stage["evaluations"]}}, indent=1))
PY
    mv "$summary.tmp" "$summary"
  done
done
