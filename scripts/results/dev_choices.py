#!/usr/bin/env python3
"""Tabulates scripts/results/dev_choices.sh's summaries: per variant, mean dev accuracy over the sequence's tasks
(what is chosen on) and mean test accuracy (reported, never chosen on), each as the mean over seeds with a 95 %
Student-t interval, and the difference to `default` paired by seed.

    python3 scripts/results/dev_choices.py [docs/results/dev-choices] > docs/results/dev-choices/report.md
"""
import glob, json, os, statistics, sys

T95 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262}


def interval(xs):
    m = statistics.mean(xs)
    if len(xs) < 2:
        return f"{m:.4f} (1 seed)"
    h = T95.get(len(xs) - 1, 1.96) * statistics.stdev(xs) / len(xs) ** 0.5
    return f"{m:.4f} [{m - h:.4f}, {m + h:.4f}]"


def main():
    folder = sys.argv[1] if len(sys.argv) > 1 else "docs/results/dev-choices"
    runs = [json.load(open(p)) for p in sorted(glob.glob(os.path.join(folder, "runs", "*.json")))]
    if not runs:
        sys.exit(f"dev_choices: no summaries in {folder}/runs (run scripts/results/dev_choices.sh first)")
    by = {}
    for r in runs:
        by.setdefault(r["variant"], {})[r["seed"]] = r
    mean = lambda d: sum(d.values()) / len(d)
    print("# MoE-CL choices on dev\n")
    print(f"Training splits subsampled to {runs[0]['train_limit']} texts per task, order "
          f"{' → '.join(runs[0]['order'])}. Mean over the tasks after the last stage; mean [95 % interval] over "
          "seeds. Choose on dev; test is reported only.\n")
    print("| variant | flags | seeds | dev ACC | test ACC | Δ dev vs default (paired) | wall min per run |")
    print("|---|---|---:|---|---|---|---:|")
    base = by.get("default", {})
    for v, seeds in sorted(by.items(), key=lambda kv: -statistics.mean(mean(r["dev"]) for r in kv[1].values())):
        dev = [mean(r["dev"]) for r in seeds.values()]
        test = [mean(r["test"]) for r in seeds.values()]
        paired = [mean(r["dev"]) - mean(base[s]["dev"]) for s, r in seeds.items() if s in base]
        delta = interval(paired) if paired and v != "default" else "–"
        wall = statistics.mean(r["wall_seconds"] for r in seeds.values()) / 60
        flags = next(iter(seeds.values()))["flags"] or "(defaults)"
        print(f"| {v} | `{flags}` | {len(seeds)} | {interval(dev)} | {interval(test)} | {delta} | {wall:.0f} |")


if __name__ == "__main__":
    main()
