#!/usr/bin/env python3
"""Two base models side by side on the same subsampled suite (docs/RESULTS.md, "Two bases").

Reads, for each base, RUNS/<base>/<method>/stage-<last>.json (written by `moecl train --suite`; the test texts of
each task are the same for both bases when both runs used the same --eval-limit, since the subsample's seed is
fixed) and prints, per method: ACC (mean over tasks of test accuracy after the last stage) of each base with a 95 %
interval, and the paired difference (second base minus first) with a 95 % paired-bootstrap interval that resamples
each task's test texts (the same resample for both bases; 2,000 resamples, seed 1). Per-task accuracies follow.

The ACC interval treats each task's test texts as a random sample of that task's texts (normal approximation,
Var = Σ_t p_t(1 − p_t)/n_t / T²); it says nothing about the variance over training seeds, which one seed cannot.

Usage: python3 scripts/results/compare_bases.py RUNS BASE_A BASE_B [METHOD ...]
  e.g. python3 scripts/results/compare_bases.py runs/bases minilm smollm2 moe-cl per-task
"""
import json
import math
import random
import sys
from pathlib import Path


def last_stage(folder: Path) -> dict:
    stages = sorted(folder.glob("stage-*.json"), key=lambda p: int(p.stem.split("-")[1]))
    if not stages:
        sys.exit(f"{folder}: no stage-*.json (run the suite first)")
    return json.loads(stages[-1].read_text())


def correct(evaluation: dict) -> list[int]:
    labels, scores = evaluation["test"]["labels"], evaluation["test"]["scores"]
    return [int(max(range(len(s)), key=s.__getitem__) == y) for s, y in zip(scores, labels)]


def acc_interval(tasks: list[list[int]]) -> tuple[float, float]:
    ps = [sum(t) / len(t) for t in tasks]
    var = sum(p * (1 - p) / len(t) for p, t in zip(ps, tasks)) / len(tasks) ** 2
    return sum(ps) / len(ps), 1.96 * math.sqrt(var)


def main() -> None:
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    runs, a, b = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
    methods = sys.argv[4:] or ["moe-cl", "per-task"]
    print(f"| method | ACC {a} | ACC {b} | {b} − {a} (95 % paired bootstrap) |")
    print("|---|---:|---:|---:|")
    details = []
    for method in methods:
        sa, sb = last_stage(runs / a / method), last_stage(runs / b / method)
        names = [e["task"] for e in sa["evaluations"]]
        if names != [e["task"] for e in sb["evaluations"]]:
            sys.exit(f"{method}: the two runs trained different task sequences")
        ca = [correct(e) for e in sa["evaluations"]]
        cb = [correct(e) for e in sb["evaluations"]]
        for name, x, y, ea, eb in zip(names, ca, cb, sa["evaluations"], sb["evaluations"]):
            if len(x) != len(y) or ea["test"]["labels"] != eb["test"]["labels"]:
                sys.exit(f"{method}/{name}: the test texts differ between the runs (use the same --eval-limit)")
        (ma, ha), (mb, hb) = acc_interval(ca), acc_interval(cb)
        rng = random.Random(1)
        diffs = []
        for _ in range(2000):
            total = 0.0
            for x, y in zip(ca, cb):
                idx = [rng.randrange(len(x)) for _ in x]
                total += (sum(y[i] for i in idx) - sum(x[i] for i in idx)) / len(x)
            diffs.append(total / len(ca))
        diffs.sort()
        lo, hi = diffs[int(0.025 * len(diffs))], diffs[int(0.975 * len(diffs)) - 1]
        print(f"| {method} | {ma:.4f} ± {ha:.4f} | {mb:.4f} ± {hb:.4f} | {mb - ma:+.4f} [{lo:+.4f}, {hi:+.4f}] |")
        details.append((method, names, ca, cb))
    for method, names, ca, cb in details:
        print(f"\n{method}, test accuracy after the last stage:\n")
        print(f"| task (n) | {a} | {b} |")
        print("|---|---:|---:|")
        for name, x, y in zip(names, ca, cb):
            print(f"| {name} ({len(x)}) | {sum(x) / len(x):.4f} | {sum(y) / len(y):.4f} |")


if __name__ == "__main__":
    main()
