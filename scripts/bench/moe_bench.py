#!/usr/bin/env python3
"""MoE-CL benchmark (`make bench-moe`): the MoE-CL forward vs the bare encoder, expert loading and memory.

What (all in the Swift binary, the peer side by side in the same process and run):
  moe cases    for each case of encoder_bench.py (b1-short, b32-short, b8-128: the same real texts), one
               `moecl bench moe` process times text -> pooled embedding with the bare encoder ("encoder"),
               text -> class scores through MoE-CL with one task expert ("moe") and with the batch spread
               over 5 task experts ("moe-mixed"); random rank-8, alpha-16 experts, tokenisation included.
               Variants are interleaved: each round runs every variant (2 warm-up + N timed runs); a
               variant's figure is the median of its round medians. overhead = moe / encoder - 1.
  experts      `moecl bench experts-write` writes --experts random task experts as a bundle (a temporary
               folder, removed afterwards); a fresh `moecl bench experts-load` process loads it and reports
               load time per expert, resident memory (/proc/self/statm) before and after the load against
               the experts' own float bytes, and a b32-short batch with all experts loaded vs only 5.
Every case runs once per --precisions entry (default fp32,int8: both of the encoder's paths; `auto`, the serving
default, is int8 on this base).
Run:    python3 scripts/bench/moe_bench.py [--threads 2] [--runs 10] [--rounds 3] [--experts 1000] [--precisions fp32,int8]
Writes: a Markdown summary on stdout and <root>/bench-results/moe.json.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CASES = {"b1-short": 1, "b32-short": 32, "b8-128": 8}


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--experts", type=int, default=1000)
    ap.add_argument("--cases", default=",".join(CASES))
    ap.add_argument("--precisions", default="fp32,int8")
    ap.add_argument("--swift-bin", type=Path, default=ROOT / ".build" / "release" / "moecl")
    ap.add_argument("--out", type=Path, default=ROOT / "bench-results" / "moe.json")
    return ap.parse_args()


def last_json(cmd):
    """Runs cmd and returns the JSON object on the last line of its stdout."""
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"moe_bench: {' '.join(map(str, cmd))} failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main():
    args = parse_args()
    cases = [c.strip() for c in args.cases.split(",") if c.strip()]
    subprocess.run([sys.executable, str(ROOT / "scripts/bench/encoder_bench.py"), "--cases-only",
                    "--cases", ",".join(cases)], check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    texts = {c: ROOT / "bench-results" / f"encoder-{c}.jsonl" for c in cases}
    common = ["--threads", str(args.threads)]
    precisions = [p.strip() for p in args.precisions.split(",") if p.strip()]
    results = {"threads": args.threads, "runs": args.runs, "rounds": args.rounds, "cases": {}}
    for precision in precisions:
        for case in cases:
            results["cases"][f"{case} {precision}"] = last_json(
                [args.swift_bin, "bench", "moe", "--texts", texts[case], "--batch", str(CASES[case]),
                 "--runs", str(args.runs), "--rounds", str(args.rounds), "--precision", precision] + common)
    folder = Path(tempfile.mkdtemp(prefix="moecl-bench-experts-"))
    try:
        results["write"] = last_json([args.swift_bin, "bench", "experts-write", "--count", str(args.experts),
                                      "--folder", folder / "bundle"] + common)
        results["load"] = last_json([args.swift_bin, "bench", "experts-load", "--folder", folder / "bundle",
                                     "--texts", texts.get("b32-short", next(iter(texts.values()))),
                                     "--batch", "32", "--runs", str(args.runs), "--rounds", str(args.rounds)] + common)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")

    print(f"threads {args.threads}, core {next(iter(results['cases'].values()))['core']}, median of {args.rounds} round medians "
          f"of {args.runs} runs\n")
    print("| case, precision | tokens | encoder ms | MoE-CL ms (1 task) | MoE-CL ms (5 tasks mixed) | overhead (1 task) | overhead (mixed) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for case, r in results["cases"].items():
        v = {k: x["median_ms"] for k, x in r["variants"].items()}
        p = {k: x["paired_ratio"] for k, x in r["variants"].items()}
        print(f"| {case} | {r['tokens']} | {v['encoder']:.2f} | {v['moe']:.2f} | {v['moe-mixed']:.2f} | "
              f"{100 * (p['moe'] - 1):+.1f} % | {100 * (p['moe-mixed'] - 1):+.1f} % |")
    print("\noverhead = median over all runs of the paired ratio (MoE-CL run / the encoder run just before it) - 1")
    load = results["load"]
    grow = (load["rss_after_bytes"] - load["rss_before_bytes"]) / 2**20
    own = load["expert_bytes"] / 2**20
    lv = {k: x["median_ms"] for k, x in load["variants"].items()}
    print(f"\n{load['experts']} task experts ({results['write']['file_bytes'] / 2**10:.0f} KiB each on disk): "
          f"load {load['load_seconds']:.2f} s = {load['load_ms_per_expert']:.2f} ms per expert (checksums included); "
          f"resident memory +{grow:.0f} MiB for {own:.0f} MiB of expert floats ({grow / own:.2f}x); "
          f"b32-short with 5 loaded {lv['5-loaded']:.2f} ms, with all loaded {lv['all-loaded']:.2f} ms.")
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
