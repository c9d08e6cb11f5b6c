#!/usr/bin/env python3
"""What an honest calibration costs: the reject rate a fully trained expert reaches at target precision when its
thresholds are chosen, as evolution runs choose them, by the 95 % Clopper-Pearson lower bound on N random labelled
texts, for several N (docs/RESULTS.md, self-evolution).

Scores the bundle's expert of TASK on the suite's dev and test splits with `moecl classify`, then, per N and per
seed, draws N of those texts as the calibration sample, calibrates per label (the lowest τ whose admitted texts'
lower bound reaches the target, as ThresholdCalibrator does) and measures reject rate and precision on the rest.
Also the point-estimate calibration on dev, measured on test (how the shipped thresholds were chosen).

Methods (--methods): `label` (per label, as ThresholdCalibrator's `label` scope), `joint` (all decisions pooled,
the thresholds of both labels searched jointly, as PooledThresholdSearch), `path` (all decisions pooled, one
threshold on the top label's score for every label: the lowest one whose admitted texts' bound passes).

    python3 scripts/simulate/calibration_ceiling.py --task tweeteval-offensive [--sizes 150,300,600,900] [--seeds 20]
        [--methods label,joint,path]
"""
import argparse, json, os, random, subprocess, sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

try:
    from scipy.stats import beta
except ImportError:
    sys.exit("calibration_ceiling: needs scipy (make reference installs it)")


def lower(k, n, confidence):
    return 0.0 if k == 0 else float(beta.ppf(1 - confidence, k, n - k + 1))


def calibrate(samples, labels, target, confidence):
    """label → τ: per label, among samples whose top label it is, the lowest score whose admitted set passes."""
    thresholds = {}
    for c in labels:
        mine = sorted(((s[c], t == c) for s, t in samples if max(s, key=s.get) == c), reverse=True)
        correct, best = 0, None
        for i, (score, ok) in enumerate(mine):
            correct += ok
            if i + 1 < len(mine) and mine[i + 1][0] == score:
                continue  # ties are admitted together
            n = i + 1
            if correct / n >= target and (confidence is None or lower(correct, n, confidence) >= target):
                best = score
        if best is not None:
            thresholds[c] = best
    return thresholds


def k_min(total, target, confidence):
    """k_min[n]: the least k of n right that passes (point estimate and bound), None when none does."""
    table, k = [0], 0
    for n in range(1, total + 1):
        k = max(k, 1)
        while k <= n and not (k / n >= target and lower(k, n, confidence) >= target):
            k += 1
        table.append(k if k <= n else None)
        k = min(k, n)
    return table


def steps(samples, c):
    """(admitted, correct, τ) for each distinct score of the samples whose top label is c, highest first."""
    mine = sorted(((s[c], t == c) for s, t in samples if max(s, key=s.get) == c), reverse=True)
    out, correct = [], 0
    for i, (score, ok) in enumerate(mine):
        correct += ok
        if i + 1 < len(mine) and mine[i + 1][0] == score:
            continue
        out.append((i + 1, correct, score))
    return out


def calibrate_joint(samples, labels, target, confidence):
    """Two labels: every pair of thresholds, the one admitting most whose pooled precision and bound pass."""
    assert len(labels) == 2, "joint: two labels only"
    table = k_min(len(samples), target, confidence)
    a, b = [(0, 0, None)] + steps(samples, labels[0]), [(0, 0, None)] + steps(samples, labels[1])
    best = (0, None, None)
    for n0, k0, t0 in a:
        for n1, k1, t1 in b:
            n, k = n0 + n1, k0 + k1
            if n > best[0] and table[n] is not None and k >= table[n]:
                best = (n, t0, t1)
    return {c: t for c, t in zip(labels, best[1:]) if t is not None}


def calibrate_path(samples, labels, target, confidence, fixed_sequence=False):
    """One threshold τ for every label on the top label's score: the lowest whose admitted texts pass. With
    `fixed_sequence`, τ is tested from the highest down and the search ends at the first that fails after one has
    passed (the lowest τ of the first passing run)."""
    ranked = sorted(((max(s.values()), max(s, key=s.get) == t) for s, t in samples), reverse=True)
    correct, best = 0, None
    for i, (score, ok) in enumerate(ranked):
        correct += ok
        if i + 1 < len(ranked) and ranked[i + 1][0] == score:
            continue
        n = i + 1
        if correct / n >= target and lower(correct, n, confidence) >= target:
            best = score
        elif fixed_sequence and best is not None:
            break
    return {} if best is None else {c: best for c in labels}


def calibrate_sequence(samples, labels, target, confidence):
    return calibrate_path(samples, labels, target, confidence, fixed_sequence=True)


METHODS = {"label": calibrate, "joint": calibrate_joint, "path": calibrate_path, "sequence": calibrate_sequence}


def from_stage(path):
    """(dev, test) as (scores by label, true label) from a `moecl train` stage file's evaluation."""
    e = json.load(open(path))["evaluations"][0]
    names = e["labels"]
    return tuple([({names[j]: v for j, v in enumerate(row)}, names[t]) for row, t in
                  zip(e[split]["scores"], e[split]["labels"])] for split in ("dev", "test"))


def measure(thresholds, data):
    automatic = []
    for s, t in data:
        top = max(s, key=s.get)
        if top in thresholds and s[top] >= thresholds[top]:
            automatic.append(top == t)
    return len(automatic) / len(data), (sum(automatic) / len(automatic) if automatic else None)


def scored(binary, task, path):
    texts = [json.loads(line) for line in open(path, encoding="utf-8") if line.strip()]
    out = subprocess.run([binary, "classify", "--task", task], input="\n".join(t["text"].replace("\n", " ") for t in texts) + "\n",
                         capture_output=True, text=True, cwd=ROOT, check=True).stdout.splitlines()
    return [(json.loads(o)["scores"], t["label"]) for o, t in zip(out, texts)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--task", required=True)
    ap.add_argument("--data", default=os.path.join(ROOT, "..", "shared", "data", "moderation-en"))
    ap.add_argument("--binary", default=os.path.join(ROOT, ".build/release/moecl"))
    ap.add_argument("--sizes", default="150,300,450,600,900")
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--target", type=float, default=0.9)
    ap.add_argument("--confidence", type=float, default=0.95)
    ap.add_argument("--methods", default="label")
    ap.add_argument("--stage", default=None,
                    help="a `moecl train` stage file: its dev and test scores instead of the shipped expert's")
    args = ap.parse_args()
    if args.stage:
        dev, test = from_stage(args.stage)
    else:
        dev = scored(args.binary, args.task, os.path.join(args.data, args.task, "dev.jsonl"))
        test = scored(args.binary, args.task, os.path.join(args.data, args.task, "test.jsonl"))
    labels = sorted(dev[0][0])
    rate, precision = measure(calibrate(dev, labels, args.target, None), test)
    print(f"{args.task}: point-estimate thresholds on dev ({len(dev)}), on test ({len(test)}): "
          f"reject rate {rate:.3f}, precision {precision:.3f}")
    pool = dev + test
    methods = args.methods.split(",")
    print("\n| method | calibration texts | reject rate: median [10th, 90th pct] | precision: median, lowest "
          f"| draws below {args.target} |")
    print("|---|---:|---:|---:|---:|")
    for method in methods:
        for n in [int(x) for x in args.sizes.split(",")]:
            rates, precisions = [], []
            for seed in range(args.seeds):
                order = list(range(len(pool)))
                random.Random(seed).shuffle(order)
                calibration = [pool[i] for i in order[:n]]
                rest = [pool[i] for i in order[n:]]
                r, p = measure(METHODS[method](calibration, labels, args.target, args.confidence), rest)
                rates.append(r)
                precisions.append(p if p is not None else float("nan"))
            rates.sort()
            decided = sorted(p for p in precisions if p == p)
            below = sum(p < args.target for p in decided)
            k = len(rates)
            print(f"| {method} | {n} | {rates[k // 2]:.3f} [{rates[k // 10]:.3f}, {rates[(9 * k) // 10]:.3f}] | "
                  + (f"{decided[len(decided) // 2]:.3f}, {decided[0]:.3f} | {below} of {len(decided)} |"
                     if decided else "— | — |"))
    print(f"\n{args.seeds} random calibration samples per size from dev + test ({len(pool)} texts); measured on the "
          f"rest; target {args.target}, {100 * args.confidence:.0f} % Clopper-Pearson bound (per label for `label`, "
          "on all decisions pooled for `joint` and `path`).")

if __name__ == "__main__":
    main()
