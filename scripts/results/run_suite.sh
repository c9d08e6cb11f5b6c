#!/usr/bin/env bash
# Trains every method on one suite and writes the evaluation report (docs/RESULTS.md's figures).
# Usage: scripts/results/run_suite.sh SUITE_DIR ORDER RUNS_DIR [SEED] [METHODS]
#   e.g. scripts/results/run_suite.sh ../shared/data/moderation-en \
#          youtube-spam,tweeteval-hate,sms-spam,clickbait,tweeteval-offensive runs/moderation-en 1
# Each method's run folder is RUNS_DIR/<method>; an interrupted method continues with --resume.
# TRAIN_FLAGS (environment) adds `moecl train` flags to every method, e.g. TRAIN_FLAGS="--epochs 1".
set -euo pipefail
suite=$1 order=$2 runs=$3 seed=${4:-1}
methods=${5:-"moe-cl sequential per-task moe-cl-no-adversarial logreg"}
bin=.build/release/moecl
mkdir -p "$runs"
for m in $methods; do
  start=$(date +%s)
  resume=""
  [[ -f "$runs/$m/run.json" && "$m" != logreg ]] && resume="--resume"
  "$bin" train --suite "$suite" --order "$order" --method "$m" --seed "$seed" --out "$runs/$m" $resume ${TRAIN_FLAGS:-}
  echo "{\"method\":\"$m\",\"wall_seconds\":$(( $(date +%s) - start ))}" > "$runs/$m/wall.json"
done
