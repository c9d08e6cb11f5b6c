#!/usr/bin/env python3
"""Does the precision promise hold on new data? (issue 18, point 3) A bundle's experts, calibrated on each task's
dev split by `moecl calibrate` (the service's one estimator), by the point estimate and by the one-sided 95 %
Clopper-Pearson lower bound, at each target precision; the thresholds applied to the test split with the decision
rule of docs/FORMATS.md §5 (the top label is decided when its score reaches its threshold). Reports per task and
target: reject rate and precision on test, and whether precision ≥ target − 0.02 (the issue's floor).

With --audits N, also what the service does on a stream unlike dev (docs/EVOLUTION.md, the audit alarm and the
random calibration share): the thresholds are recalibrated (95 % bound) on N texts drawn at random from the test
split and labelled, as audits would be, and applied to the rest of the split; over --repeats draws (seeds 1..R),
the mean reject rate and precision on the rest, and the lowest precision of any draw.

    python3 scripts/results/precision_on_test.py [--experts experts/default] [--targets 0.9,0.95] [--audits 300]
        [--repeats 5] [--out FILE.md]
"""
import argparse, json, os, struct, subprocess, sys, tempfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from scene_guard import machine  # noqa: E402


def load(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def thresholds(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        meta = json.loads(f.read(n)).get("__metadata__", {})
    return json.loads(meta["calibration"])["thresholds"] if "calibration" in meta else {}


def calibrate(a, tmp, task, data, target, confidence):
    """The thresholds `moecl calibrate` sets for `task` on the labelled texts in `data` (a JSONL path)."""
    out = os.path.join(tmp, f"{task}-{target}-{confidence}")
    cmd = [a.binary, "calibrate", "--experts", a.experts, "--task", task, "--data", data,
           "--target-precision", str(target), "--out", out]
    if confidence:
        cmd += ["--confidence", str(confidence)]
    subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=True)
    tau = thresholds(os.path.join(out, "tasks", f"{task}.safetensors"))
    subprocess.run(["rm", "-rf", out], check=True)
    return tau


def apply(tau, scored, rows):
    """Reject rate and precision (None when nothing is decided) of thresholds `tau` on scored rows."""
    decided = [(s, r) for s, r in zip(scored, rows)
               # compared in Float, as the rule compares them
               if s["label"] in tau and np.float32(s["scores"][s["label"]]) >= np.float32(tau[s["label"]])]
    precision = sum(s["label"] == r["label"] for s, r in decided) / len(decided) if decided else None
    return len(decided) / len(rows), precision


def cell(rate, precision, target):
    if precision is None:
        return "0 (none decided)"
    return f"{rate:.3f}, p {precision:.3f}" + (" ✗" if precision < target - 0.02 else "")


def audited(a, tmp, task, scored, test, target):
    """Recalibration on `a.audits` random test texts, applied to the rest, over `a.repeats` draws."""
    rates, precisions = [], []
    count = min(a.audits, len(test) // 2)  # at most half the split, so the rest still measures
    for seed in range(1, a.repeats + 1):
        order = np.random.default_rng(seed).permutation(len(test))
        audit, rest = order[:count], order[count:]
        path = os.path.join(tmp, f"{task}-audit.jsonl")
        with open(path, "w", encoding="utf-8") as f:
            f.writelines(json.dumps(test[i], ensure_ascii=False) + "\n" for i in audit)
        rate, precision = apply(calibrate(a, tmp, task, path, target, 0.95),
                                [scored[i] for i in rest], [test[i] for i in rest])
        rates.append(rate)
        if precision is not None:
            precisions.append(precision)
    if not precisions:
        return "0 (none decided)"
    mean = sum(precisions) / len(precisions)
    return ((f"{count} audits: " if count < a.audits else "") + f"{sum(rates) / len(rates):.3f}, p {mean:.3f} (lowest {min(precisions):.3f}"
            + (f", {a.repeats - len(precisions)} of {a.repeats} decided nothing" if len(precisions) < a.repeats else "")
            + ")" + (" ✗" if mean < target - 0.02 else ""))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--suite", default=os.path.join(ROOT, "..", "shared", "data", "moderation-en"))
    p.add_argument("--experts", default=os.path.join(ROOT, "experts", "default"))
    p.add_argument("--binary", default=os.path.join(ROOT, ".build", "release", "moecl"))
    p.add_argument("--targets", default="0.9,0.95")
    p.add_argument("--audits", type=int, default=0, help="texts of test drawn as audits to recalibrate on (0: off)")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--out")
    a = p.parse_args()
    if not os.path.isdir(a.suite):
        sys.exit(f"precision_on_test: no suite at {a.suite} (it needs ../shared/data beside the project)")
    targets = [float(t) for t in a.targets.split(",")]
    # The suite's tasks the bundle has an expert for (a bundle may cover part of a suite, e.g. mtl5 without yelp).
    bundled = {t["task"] for t in json.load(open(os.path.join(a.experts, "manifest.json")))["tasks"]}
    tasks = [t["name"] for t in json.load(open(os.path.join(a.suite, "tasks.json")))["tasks"] if t["name"] in bundled]
    command = (f"python3 scripts/results/precision_on_test.py --suite {os.path.relpath(a.suite, ROOT)} "
               f"--experts {os.path.relpath(a.experts, ROOT)} --targets {a.targets}"
               + (f" --audits {a.audits} --repeats {a.repeats}" if a.audits else ""))
    columns = [f"{t} point estimate | {t} 95 % bound" + (f" | {t} bound on {a.audits} audits" if a.audits else "")
               for t in targets]
    lines = ["# Precision on test with thresholds calibrated on dev", "",
             f"Bundle `{os.path.relpath(a.experts, ROOT)}`, suite `{os.path.basename(os.path.normpath(a.suite))}`. "
             "Thresholds by `moecl calibrate --data dev.jsonl` (point estimate) and with `--confidence 0.95` (the "
             "one-sided Clopper-Pearson lower bound), applied to test. Cell: reject rate, precision on test; ✗ "
             "when precision is below target − 0.02.", ""]
    if a.audits:
        lines += [f"Audit columns: the thresholds recalibrated (95 % bound) on {a.audits} texts drawn at random from "
                  "the test split and labelled, as the service's audits and random calibration share would be, then "
                  f"applied to the other texts of the split; mean over {a.repeats} draws (seeds 1–{a.repeats}), with "
                  "the lowest precision of any draw; ✗ when the mean is below target − 0.02.", ""]
    lines += [f"Machine: {machine()}.", "", f"Command: `{command}`", "",
              "| task | test texts | " + " | ".join(columns) + " |",
              "|---|---:|" + "---:|" * ((3 if a.audits else 2) * len(targets))]
    with tempfile.TemporaryDirectory() as tmp:
        for task in tasks:
            test = load(os.path.join(a.suite, task, "test.jsonl"))
            run = subprocess.run([a.binary, "classify", "--experts", a.experts, "--task", task],
                                 input="\n".join(r["text"].replace("\n", " ") for r in test) + "\n",
                                 capture_output=True, text=True, cwd=ROOT, check=True)
            scored = [json.loads(l) for l in run.stdout.splitlines() if l.strip()]
            dev = os.path.join(a.suite, task, "dev.jsonl")
            cells = []
            for target in targets:
                for confidence in (None, 0.95):
                    cells.append(cell(*apply(calibrate(a, tmp, task, dev, target, confidence), scored, test), target))
                if a.audits:
                    cells.append(audited(a, tmp, task, scored, test, target))
            lines.append(f"| {task} | {len(test)} | " + " | ".join(cells) + " |")
            print(f"precision_on_test: {task} done", file=sys.stderr)
    text = "\n".join(lines) + "\n"
    if a.out:
        open(a.out, "w").write(text)
    print(text)


if __name__ == "__main__":
    main()
