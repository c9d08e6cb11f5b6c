#!/usr/bin/env bash
# Few labels for a new task (issue 18): every method learns the last task of ORDER from N labels, after the earlier
# tasks (each subsampled to PREFIX_LIMIT training texts), for every N and seed. Resumable: a finished run is kept.
#
# Usage: scripts/results/learning_curve.sh SUITE ORDER RUNS_DIR [SEEDS] [SIZES] [METHODS]
#   e.g. scripts/results/learning_curve.sh ../shared/data/moderation-en \
#          youtube-spam,tweeteval-hate,sms-spam,clickbait,tweeteval-offensive runs/curve-moderation 1,2,3 100,300,1000,full
#
# Layout: RUNS_DIR/prefix/<method>/s<seed> (the earlier tasks, trained once per method and seed) and
# RUNS_DIR/<method>/n<N>/s<seed> (a copy of the prefix, resumed with the last task limited to N labels; "full" is the
# whole split). The last task's N labels are drawn with the seed (`--task-train-limit`), the same for every method.
# per-task and logreg learn each task on its own, so they train the last task alone (no prefix).
# Order: seed, then method, then N, so each prefix is used up (and could be deleted) before the next one is trained,
# and an interrupted run leaves whole seeds behind.
# TRAIN_FLAGS (environment) adds `moecl train` flags; PREFIX_LIMIT (default 1000) bounds each earlier task.
# DONE (environment): an earlier `moecl eval --curve` report.json (a session's committed report, its run folders
# gone); every method, N and seed it holds is skipped, and `moecl eval --curve --curve-points` keeps its points.
set -euo pipefail
suite=$1 order=$2 runs=$3 seeds=${4:-1,2,3} sizes=${5:-100,300,1000,full}
methods=${6:-"moe-cl moe-cl-no-adversarial sequential per-task logreg"}
bin=${MOECL_BIN:-.build/release/moecl}
prefix_limit=${PREFIX_LIMIT:-1000}
IFS=, read -ra tasks <<<"$order"
last=${tasks[-1]}
prefix_order=$(IFS=,; echo "${tasks[*]:0:${#tasks[@]}-1}")
prefix_limits=()
for t in "${tasks[@]:0:${#tasks[@]}-1}"; do prefix_limits+=(--task-train-limit "$t=$prefix_limit"); done
stages=${#tasks[@]}
done_list=""
if [[ -n ${DONE:-} && -f $DONE ]]; then
  done_list=$(python3 -c 'import json, sys
for c in json.load(open(sys.argv[1]))["cells"]:
    for p in c["points"]:
        print("/".join(p["folder"].rstrip("/").split("/")[-3:]))' "$DONE")
fi
already() { grep -qxF "$1" <<<"$done_list"; }  # METHOD/nN/sSEED is in DONE

timed() { # DIR CMD...: runs CMD, adds its wall seconds to DIR/wall.json
  local dir=$1 start; shift
  start=$(date +%s)
  "$@"
  mkdir -p "$dir"
  echo "{\"wall_seconds\":$(( $(date +%s) - start ))}" >"$dir/wall.json"
}

for seed in ${seeds//,/ }; do
  for m in $methods; do
    for n in ${sizes//,/ }; do
      out="$runs/$m/n$n/s$seed"
      if already "$m/n$n/s$seed" && [[ ! -d $out ]]; then continue; fi
      limit=()
      [[ $n != full ]] && limit=(--task-train-limit "$last=$n")
      if [[ $m == per-task || $m == logreg ]]; then
        [[ -f "$out/stage-0.json" ]] && continue
        rm -rf "$out"
        timed "$out" "$bin" train --suite "$suite" --order "$last" --method "$m" --seed "$seed" --out "$out" \
          "${limit[@]}" ${TRAIN_FLAGS:-}
        continue
      fi
      [[ -f "$out/stage-$((stages - 1)).json" ]] && continue
      pre="$runs/prefix/$m/s$seed"
      if [[ ! -f "$pre/stage-$((stages - 2)).json" ]]; then
        timed "$pre" "$bin" train --suite "$suite" --order "$prefix_order" --method "$m" --seed "$seed" --out "$pre" \
          "${prefix_limits[@]}" $([[ -f "$pre/run.json" ]] && echo --resume) ${TRAIN_FLAGS:-}
      fi
      rm -rf "$out"
      mkdir -p "$(dirname "$out")"
      cp -r "$pre" "$out"
      rm -rf "$out/bundle"
      timed "$out" "$bin" train --suite "$suite" --order "$order" --method "$m" --seed "$seed" --out "$out" --resume \
        "${prefix_limits[@]}" "${limit[@]}" ${TRAIN_FLAGS:-}
    done
  done
done
