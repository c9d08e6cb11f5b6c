#!/usr/bin/env python3
"""Does the precision promise hold on new data? (issue 18, point 3) A bundle's experts, calibrated on each task's
dev split by `moecl calibrate` (the service's one estimator), by the point estimate and by the one-sided 95 %
Clopper-Pearson lower bound, at each target precision; the thresholds applied to the test split with the decision
rule of docs/FORMATS.md §5 (the top label is decided when its score reaches its threshold). Reports per task and
target: reject rate and precision on test, and whether precision ≥ target − 0.02 (the issue's floor).

    python3 scripts/results/precision_on_test.py [--experts experts/default] [--targets 0.9,0.95] [--out FILE.md]
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


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--suite", default=os.path.join(ROOT, "..", "shared", "data", "moderation-en"))
    p.add_argument("--experts", default=os.path.join(ROOT, "experts", "default"))
    p.add_argument("--binary", default=os.path.join(ROOT, ".build", "release", "moecl"))
    p.add_argument("--targets", default="0.9,0.95")
    p.add_argument("--out")
    a = p.parse_args()
    if not os.path.isdir(a.suite):
        sys.exit(f"precision_on_test: no suite at {a.suite} (it needs ../shared/data beside the project)")
    targets = [float(t) for t in a.targets.split(",")]
    tasks = [t["name"] for t in json.load(open(os.path.join(a.suite, "tasks.json")))["tasks"]]
    lines = ["# Precision on test with thresholds calibrated on dev", "",
             f"Bundle `{os.path.relpath(a.experts, ROOT)}`, suite `{os.path.basename(os.path.normpath(a.suite))}`. "
             "Thresholds by `moecl calibrate --data dev.jsonl` (point estimate) and with `--confidence 0.95` (the "
             "one-sided Clopper-Pearson lower bound), applied to test. Cell: reject rate, precision on test; ✗ "
             "when precision is below target − 0.02.", "", f"Machine: {machine()}.", "",
             f"Command: `python3 scripts/results/precision_on_test.py --experts {os.path.relpath(a.experts, ROOT)} "
             f"--targets {a.targets}`", "",
             "| task | test texts | " + " | ".join(f"{t} point estimate | {t} 95 % bound" for t in targets) + " |",
             "|---|---:|" + "---:|" * (2 * len(targets))]
    with tempfile.TemporaryDirectory() as tmp:
        for task in tasks:
            test = load(os.path.join(a.suite, task, "test.jsonl"))
            run = subprocess.run([a.binary, "classify", "--experts", a.experts, "--task", task],
                                 input="\n".join(r["text"].replace("\n", " ") for r in test) + "\n",
                                 capture_output=True, text=True, cwd=ROOT, check=True)
            scored = [json.loads(l) for l in run.stdout.splitlines() if l.strip()]
            cells = []
            for target in targets:
                for confidence in (None, 0.95):
                    out = os.path.join(tmp, f"{task}-{target}-{confidence}")
                    cmd = [a.binary, "calibrate", "--experts", a.experts, "--task", task, "--data",
                           os.path.join(a.suite, task, "dev.jsonl"), "--target-precision", str(target), "--out", out]
                    if confidence:
                        cmd += ["--confidence", str(confidence)]
                    subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=True)
                    tau = thresholds(os.path.join(out, "tasks", f"{task}.safetensors"))
                    decided = [(s, r) for s, r in zip(scored, test)
                               # compared in Float, as the rule compares them
                               if s["label"] in tau
                               and np.float32(s["scores"][s["label"]]) >= np.float32(tau[s["label"]])]
                    rate = len(decided) / len(test)
                    if decided:
                        precision = sum(s["label"] == r["label"] for s, r in decided) / len(decided)
                        mark = " ✗" if precision < target - 0.02 else ""
                        cells.append(f"{rate:.3f}, p {precision:.3f}{mark}")
                    else:
                        cells.append("0 (none decided)")
            lines.append(f"| {task} | {len(test)} | " + " | ".join(cells) + " |")
            print(f"precision_on_test: {task} done", file=sys.stderr)
    text = "\n".join(lines) + "\n"
    if a.out:
        open(a.out, "w").write(text)
    print(text)


if __name__ == "__main__":
    main()
