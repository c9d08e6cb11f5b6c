#!/usr/bin/env python3
"""Inference while an evolution run trains (`make bench-under-training`; docs/PERFORMANCE.md, issue 16).

What:
  1. starts `moecl serve` (shipped experts, a temporary state folder, --train-threads 1 unless told);
  2. prepares a run that trains long enough: a task created with POST /v1/tasks, --verdicts texts of the
     sms-spam train split classified under it and answered with their true labels, a policy of 50 epochs;
  3. alternates, --rounds times: IDLE (no run) and TRAINING (a run started with POST /v1/tasks/{task}/evolve;
     measured once its trainer process, `moecl evolve` at nice 10, has loaded and is past --settle seconds). Each
     phase measures, with wrk: the single-request latency (one connection, one text per request, --seconds) and
     the throughput (--connections connections, one text of the shipped tasks per request, --seconds). A
     training phase counts only if the run is still `running` at its end; the trainer is then killed (the
     server marks the run failed) before the next idle phase.
Texts: the moderation-en test splits (first 300 per task). Reports medians over the rounds and the ratio
training / idle, with the CPU (lscpu).
Run:    python3 scripts/loadtest/under_training.py [--rounds 3] [--seconds 10] [--connections 16]
Writes: a Markdown summary on stdout and <root>/bench-results/under-training.json.
"""
import argparse
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import loadtest  # noqa: E402  (the server, wrk and text helpers)

ROOT = loadtest.ROOT
TASK = "bench-training"


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--verdicts", type=int, default=400)
    ap.add_argument("--settle", type=float, default=5.0, help="seconds after the trainer starts before measuring")
    ap.add_argument("--train-threads", type=int, default=1)
    ap.add_argument("--experts", type=Path, default=ROOT / "experts" / "default")
    ap.add_argument("--bin", type=Path, default=ROOT / ".build" / "release")
    ap.add_argument("--out", type=Path, default=ROOT / "bench-results" / "under-training.json")
    return ap.parse_args()


def call(port, method, path, body=None):
    status, data = loadtest.http(port, method, path, None if body is None else json.dumps(body).encode())
    return status, (json.loads(data) if data else {})


def trainers(state):
    """Process ids of `moecl evolve` processes of this server (by its --state)."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            words = open(f"/proc/{entry}/cmdline", "rb").read().split(b"\0")
        except OSError:
            continue
        if b"evolve" in words and b"--state" in words and words[words.index(b"--state") + 1] == str(state).encode():
            pids.append(int(entry))
    return pids


def run_status(port):
    _, body = call(port, "GET", f"/v1/tasks/{TASK}/evolution")
    runs = body.get("runs") or []
    return runs[0]["status"] if runs else None


def prepare(port, count):
    """The task, its verdicts and a long policy."""
    status, body = call(port, "POST", "/v1/tasks", {"task": TASK, "labels": ["compliant", "violating"],
                                                    "compliant_label": "compliant"})
    if status != 201:
        sys.exit(f"under_training: POST /v1/tasks: {status} {body}")
    call(port, "PUT", f"/v1/tasks/{TASK}/evolution", {"auto": False, "epochs": 50})
    rows = [json.loads(l) for l in open(loadtest.DATA / "sms-spam" / "train.jsonl", encoding="utf-8")][:count]
    for start in range(0, len(rows), 32):
        chunk = rows[start:start + 32]
        _, body = call(port, "POST", "/v1/classify", {"task": TASK, "texts": [r["text"] for r in chunk]})
        for result, row in zip(body["results"], chunk):
            call(port, "POST", f"/v1/review/{result['review_id']}/verdict", {"label": row["label"]})


def measure(port, work):
    single = loadtest.wrk(port, 1, 1, ARGS.seconds, work / "single.txt", work / "load.lua")
    load = loadtest.wrk(port, ARGS.connections, 1, ARGS.seconds, work / "single.txt", work / "load.lua")
    seconds = ARGS.seconds
    return {"p50_ms": single["p50_us"] / 1000, "p99_ms": single["p99_us"] / 1000,
            "single_rps": single["requests"] / seconds, "throughput_rps": load["requests"] / seconds,
            "load_p50_ms": load["p50_us"] / 1000, "load_p99_ms": load["p99_us"] / 1000,
            "errors": sum(single[k] + load[k] for k in ("connect", "read", "write", "status", "timeout"))}


def main():
    global ARGS
    ARGS = parse_args()
    if not loadtest.DATA.is_dir():
        sys.exit(f"under_training: needs {loadtest.DATA}")
    with tempfile.TemporaryDirectory(prefix="moecl-under-training-") as tmp:
        work = Path(tmp)
        state = work / "state"
        texts, _ = loadtest.load_texts()
        tasks = [p.name for p in sorted(loadtest.DATA.iterdir()) if (ARGS.experts / "tasks" / f"{p.name}.safetensors").exists()]
        _, single = loadtest.make_bodies(texts, tasks)
        (work / "single.txt").write_text("\n".join(single) + "\n")
        (work / "load.lua").write_text(loadtest.LUA)
        cmd = [str(ARGS.bin / "moecl"), "serve", "--port", "0", "--state", str(state), "--experts", str(ARGS.experts),
               "--train-threads", str(ARGS.train_threads), "--evolve-every", "0", "--sample-rate", "0"]
        proc = subprocess.Popen(cmd, cwd=ROOT, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
        line = proc.stderr.readline()
        m = re.search(r"127\.0\.0\.1:(\d+)", line)
        if not m:
            proc.kill()
            sys.exit(f"under_training: the server did not start: {line}{proc.stderr.read()}")
        port = int(m.group(1))
        threading.Thread(target=lambda: proc.stderr.read(), daemon=True).start()  # keep draining its log
        try:
            for _ in range(300):
                if loadtest.http(port, "GET", "/readyz")[0] == 200:
                    break
                time.sleep(0.1)
            prepare(port, ARGS.verdicts)
            loadtest.wrk(port, 8, 1, 3, work / "single.txt", work / "load.lua")  # warm-up
            phases = {"idle": [], "training": []}
            for k in range(ARGS.rounds):
                phases["idle"].append(measure(port, work))
                status, body = call(port, "POST", f"/v1/tasks/{TASK}/evolve", {})
                if status != 202:
                    sys.exit(f"under_training: evolve: {status} {body}")
                deadline = time.time() + 60
                while not trainers(state) and time.time() < deadline:
                    time.sleep(0.2)
                time.sleep(ARGS.settle)
                sample = measure(port, work)
                if run_status(port) == "running" and trainers(state):
                    phases["training"].append(sample)
                else:
                    print(f"round {k + 1}: the run ended during the measurement; not counted", file=sys.stderr)
                for pid in trainers(state):
                    os.kill(pid, signal.SIGKILL)
                deadline = time.time() + 30
                while run_status(port) in ("running", "promoting") and time.time() < deadline:
                    time.sleep(0.2)
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)
    cpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
    model = next((l.split(":", 1)[1].strip() for l in cpu.splitlines() if l.startswith("Model name")), "?")
    flags = next((l.split(":", 1)[1].split() for l in cpu.splitlines() if l.startswith("Flags")), [])
    simd = " ".join(f for f in flags if f.startswith("avx")) or "no AVX"
    result = {"cpu": model, "cpus": os.cpu_count(), "simd": simd, "args": {k: str(v) for k, v in vars(ARGS).items()},
              "phases": phases}
    ARGS.out.parent.mkdir(parents=True, exist_ok=True)
    ARGS.out.write_text(json.dumps(result, indent=1) + "\n")
    med = {p: {k: statistics.median(s[k] for s in samples) for k in samples[0]} for p, samples in phases.items() if samples}
    print(f"CPU: {model}, {os.cpu_count()} CPUs ({simd}); rounds counted: idle {len(phases['idle'])}, "
          f"training {len(phases['training'])}; {ARGS.seconds} s per measurement; trainer --train-threads "
          f"{ARGS.train_threads} at nice 10\n")
    print("| | idle | while training | training / idle |")
    print("|---|---:|---:|---:|")
    for key, label in [("p50_ms", "single request p50 (ms)"), ("p99_ms", "single request p99 (ms)"),
                       ("throughput_rps", f"throughput, {ARGS.connections} connections (requests/s)"),
                       ("load_p50_ms", "under load p50 (ms)"), ("load_p99_ms", "under load p99 (ms)")]:
        if "training" in med:
            print(f"| {label} | {med['idle'][key]:.2f} | {med['training'][key]:.2f} | "
                  f"{med['training'][key] / med['idle'][key]:.2f} |")
    errors = sum(s["errors"] for samples in phases.values() for s in samples)
    print(f"\nsocket errors: {errors}; raw samples: {ARGS.out}")
    if errors or "training" not in med:
        sys.exit(1)


if __name__ == "__main__":
    main()
