#!/usr/bin/env python3
"""The int8 guard (issue 19, point 2): does `--precision int8` keep what fp32 gives? For every task of a suite, with a
bundle's experts: test accuracy (top label against the true one) in fp32 and int8, the reject rate and precision on
test at target 0.9 with thresholds calibrated on dev by `moecl calibrate` in the same precision, and the mean cosine of
the base's test embeddings (`moecl embed`) to fp32. int8 may become the default only if, on every split, accuracy
stays within 0.3 pt, the reject rate within 1 pt, and the mean cosine at least 0.999.

    python3 scripts/bench/int8_guard.py [--suite ../shared/data/moderation-en] [--experts experts/default]
        [--binary .build/release/moecl] [--out FILE.md]
"""
import argparse, json, os, subprocess, sys, tempfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "scripts", "results"))
from scene_guard import machine  # noqa: E402
from precision_on_test import apply, load, thresholds  # noqa: E402


def lines(rows):
    return "\n".join(r["text"].replace("\n", " ") for r in rows) + "\n"


def run(a, args, stdin=None):
    return subprocess.run([a.binary] + args, input=stdin, capture_output=True, text=True, cwd=ROOT, check=True).stdout


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--suite", default=os.path.join(ROOT, "..", "shared", "data", "moderation-en"))
    p.add_argument("--experts", default=os.path.join(ROOT, "experts", "default"))
    p.add_argument("--binary", default=os.path.join(ROOT, ".build", "release", "moecl"))
    p.add_argument("--target", type=float, default=0.9)
    p.add_argument("--out")
    a = p.parse_args()
    if not os.path.isdir(a.suite):
        sys.exit(f"int8_guard: no suite at {a.suite} (it needs ../shared/data beside the project)")
    # The suite's tasks the bundle has an expert for (a bundle may cover part of a suite, e.g. mtl5 without yelp).
    bundled = {t["task"] for t in json.load(open(os.path.join(a.experts, "manifest.json")))["tasks"]}
    tasks = [t["name"] for t in json.load(open(os.path.join(a.suite, "tasks.json")))["tasks"] if t["name"] in bundled]
    rows, holds = [], True
    with tempfile.TemporaryDirectory() as tmp:
        for task in tasks:
            test = load(os.path.join(a.suite, task, "test.jsonl"))
            dev = os.path.join(a.suite, task, "dev.jsonl")
            cell = {}
            for precision in ("fp32", "int8"):
                scored = [json.loads(l) for l in run(a, ["classify", "--experts", a.experts, "--task", task,
                                                         "--precision", precision], lines(test)).splitlines()]
                accuracy = sum(s["label"] == r["label"] for s, r in zip(scored, test)) / len(test)
                out = os.path.join(tmp, f"{task}-{precision}")
                run(a, ["calibrate", "--experts", a.experts, "--task", task, "--data", dev, "--precision", precision,
                        "--target-precision", str(a.target), "--out", out])
                rate, prec = apply(thresholds(os.path.join(out, "tasks", f"{task}.safetensors")), scored, test)
                embeddings = np.array([json.loads(l)["embedding"] for l in
                                       run(a, ["embed", "--precision", precision], lines(test)).splitlines()])
                cell[precision] = (accuracy, rate, prec, embeddings)
            (a32, r32, p32, e32), (a8, r8, p8, e8) = cell["fp32"], cell["int8"]
            cosine = float(((e32 * e8).sum(1) / np.linalg.norm(e32, axis=1) / np.linalg.norm(e8, axis=1)).mean())
            ok = abs(a8 - a32) <= 0.003 and abs(r8 - r32) <= 0.01 and cosine >= 0.999
            holds &= ok
            fmt = lambda p: "–" if p is None else f"{p:.3f}"
            rows.append(f"| {task} | {len(test)} | {a32:.4f} | {a8:.4f} | {100 * (a8 - a32):+.2f} | {r32:.3f} "
                        f"(p {fmt(p32)}) | {r8:.3f} (p {fmt(p8)}) | {100 * (r8 - r32):+.2f} | {cosine:.5f} | "
                        f"{'yes' if ok else 'no'} |")
            print(f"int8_guard: {task} done", file=sys.stderr)
    text = "\n".join([
        f"# int8 against fp32: {os.path.basename(os.path.normpath(a.suite))}, bundle "
        f"`{os.path.relpath(a.experts, ROOT)}`", "",
        f"Machine: {machine()}.", "",
        f"Command: `python3 scripts/bench/int8_guard.py --suite {os.path.relpath(a.suite, ROOT)} --experts "
        f"{os.path.relpath(a.experts, ROOT)}`", "",
        f"Accuracy: top label on the test split. Reject rate: share of test decided automatically at target "
        f"{a.target} with thresholds calibrated on dev in the same precision (p: precision of those decisions). "
        "Cosine: mean cosine of the base's mean-pooled test embeddings, int8 to fp32. Holds: accuracy within 0.3 pt, "
        "reject rate within 1 pt, cosine ≥ 0.999.", "",
        "| task | test texts | fp32 acc | int8 acc | Δ pt | fp32 reject rate | int8 reject rate | Δ pt | cosine | holds |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"] + rows + ["",
        "The guard holds on every split of this suite." if holds else
        "The guard fails on: " + ", ".join(r.split(" | ")[0][2:] for r in rows if r.endswith("| no |")) + "."]) + "\n"
    if a.out:
        open(a.out, "w").write(text)
    print(text)


if __name__ == "__main__":
    main()
