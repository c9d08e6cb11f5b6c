#!/usr/bin/env python3
"""Load test (`make loadtest`): the real server under wrk, with experts hot-loaded and rolled back meanwhile.

What:
  1. starts `moecl serve` (shipped experts, a fresh temporary state folder, a free port; with --postgres, the
     state in a PostgreSQL server started in the work folder by scripts/pg/test-server.sh);
  2. wrk, --connections (64) for --duration (30 s): mixed classify traffic over every loaded task (85 % one text
     one task, 10 % four texts one task, 5 % one text all tasks), texts from ../shared/data/moderation-en test
     splits (synthetic word salad when that folder is absent); meanwhile every --admin-every seconds an admin
     client alternately uploads a task expert (PUT /v1/experts/{task}) and rolls it back;
  3. wrk, one connection for --latency-seconds: single-text requests, for the single-request latency;
  4. stops the server, then `moecl bench engine` times the model alone at the server's mean batch size
     (from /metrics) and at batch 1 (classify and bare encoder).
Fails (exit 1) on any non-2xx response, any socket error, or any failed admin call.
Run:    python3 scripts/loadtest/loadtest.py [--duration 30] [--connections 64] [--max-wait-us 2000] [--postgres]
Writes: a Markdown summary on stdout and <root>/bench-results/loadtest.json.
"""
import argparse
import os
import json
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT.parent / "shared" / "data" / "moderation-en"

LUA = r"""
local bodies = {}
init = function(args)
  for line in io.lines(args[1]) do bodies[#bodies + 1] = line end
end
request = function()
  return wrk.format("POST", "/v1/classify", {["Content-Type"] = "application/json"}, bodies[math.random(#bodies)])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,'
    .. '"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"mean_us":%.1f}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
"""


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--duration", type=int, default=30)
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--wrk-threads", type=int, default=1)
    ap.add_argument("--admin-every", type=float, default=3.0)
    ap.add_argument("--latency-seconds", type=int, default=10)
    ap.add_argument("--max-wait-us", type=int, default=None, help="passed to moecl serve (default: its own)")
    ap.add_argument("--postgres", action="store_true",
                    help="keep the state in a PostgreSQL server started in the work folder (scripts/pg/test-server.sh)")
    ap.add_argument("--experts", type=Path, default=ROOT / "experts" / "default")
    ap.add_argument("--bin", type=Path, default=ROOT / ".build" / "release")
    ap.add_argument("--out", type=Path, default=ROOT / "bench-results" / "loadtest.json")
    return ap.parse_args()


def load_texts(limit_per_task=300):
    texts = []
    if DATA.is_dir():
        for path in sorted(DATA.glob("*/test.jsonl")):
            with open(path, encoding="utf-8") as f:
                for k, line in enumerate(f):
                    if k >= limit_per_task:
                        break
                    texts.append(json.loads(line)["text"])
        return texts, f"{DATA} (first {limit_per_task} test texts per task)"
    rng = random.Random(1)
    words = "free prize call now win cash offer you the a to is in of click here great video love hate people".split()
    texts = [" ".join(rng.choice(words) for _ in range(rng.randint(4, 40))) for _ in range(1500)]
    return texts, "synthetic word salad (../shared/data absent)"


def make_bodies(texts, tasks, n=4000):
    rng = random.Random(7)
    bodies, single = [], []
    for _ in range(n):
        r = rng.random()
        if r < 0.85:
            body = {"task": rng.choice(tasks), "text": rng.choice(texts)}
            single.append(json.dumps(body))
        elif r < 0.95:
            body = {"task": rng.choice(tasks), "texts": [rng.choice(texts) for _ in range(4)]}
        else:
            body = {"task": "*", "text": rng.choice(texts)}
        bodies.append(json.dumps(body))
    return bodies, single


def start_server(args, state, database_url=None):
    cmd = [str(args.bin / "moecl"), "serve", "--port", "0", "--state", str(state), "--experts", str(args.experts)]
    if database_url:
        cmd += ["--database-url", database_url]
    if args.max_wait_us is not None:
        cmd += ["--max-wait-us", str(args.max_wait_us)]
    proc = subprocess.Popen(cmd, cwd=ROOT, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    line = proc.stderr.readline()
    m = re.search(r"127\.0\.0\.1:(\d+)", line)
    if not m:
        proc.kill()
        sys.exit(f"loadtest: the server did not start: {line}{proc.stderr.read()}")
    threading.Thread(target=lambda: proc.stderr.read(), daemon=True).start()  # keep draining its log
    return proc, int(m.group(1))


def http(port, method, path, body=None, content_type="application/json"):
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=body, method=method,
                                     headers={"Content-Type": content_type} if body is not None else {})
    try:
        with urllib.request.urlopen(request, timeout=60) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def metrics(port):
    _, text = http(port, "GET", "/metrics")
    values = {}
    for line in text.decode().splitlines():
        if line.startswith("#") or not line:
            continue
        name, value = line.rsplit(" ", 1)
        values[name] = float(value)
    return values


def codes(m):
    out = {}
    for name, value in m.items():
        g = re.match(r'moecl_requests_total\{route="([^"]*)",code="(\d+)"\}', name)
        if g:
            out[(g.group(1), g.group(2))] = value
    return out


def wrk(port, connections, threads, seconds, bodies_file, lua_file):
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s", "-s", str(lua_file),
           f"http://127.0.0.1:{port}", "--", str(bodies_file)]
    out = subprocess.run(cmd, capture_output=True, text=True)
    line = next((l for l in out.stdout.splitlines() if l.startswith("WRKJSON ")), None)
    if out.returncode != 0 or line is None:
        sys.exit(f"loadtest: wrk failed:\n{out.stdout}\n{out.stderr}")
    return json.loads(line[len("WRKJSON "):])


def admin_loop(port, task, expert_file, every, stop, log):
    data = expert_file.read_bytes()
    k = 0
    while not stop.wait(every):
        # Two uploads first (so a rollback has a target), then roll back and upload in turn.
        if k < 2 or k % 2 == 1:
            status, body = http(port, "PUT", f"/v1/experts/{task}", data, "application/octet-stream")
            log.append(("upload", status, body[:200].decode(errors="replace")))
        else:
            status, body = http(port, "POST", f"/v1/experts/{task}/rollback")
            log.append(("rollback", status, body[:200].decode(errors="replace")))
        k += 1


def main():
    args = parse_args()
    texts, source = load_texts()
    work = Path(tempfile.mkdtemp(prefix="moecl-loadtest-"))
    database_url = None
    if args.postgres:
        os.chmod(work, 0o755)  # under root the server runs as the postgres user, which must reach its folder
        pg = subprocess.run([str(ROOT / "scripts" / "pg" / "test-server.sh"), "start", str(work / "pg"), str(os.getpid())],
                            capture_output=True, text=True)
        if pg.returncode != 0:
            sys.exit(f"loadtest: the PostgreSQL test server did not start: {pg.stderr}")
        database_url = pg.stdout.strip().splitlines()[-1]
    proc, port = start_server(args, work / "state", database_url)
    try:
        for _ in range(100):
            if http(port, "GET", "/readyz")[0] == 200:
                break
            time.sleep(0.1)
        tasks = [t["task"] for t in json.loads(http(port, "GET", "/v1/experts")[1])["tasks"]]
        bodies, single = make_bodies(texts, tasks)
        (work / "bodies.txt").write_text("\n".join(bodies) + "\n", encoding="utf-8")
        (work / "single.txt").write_text("\n".join(single) + "\n", encoding="utf-8")
        (work / "load.lua").write_text(LUA, encoding="utf-8")
        wrk(port, 8, 1, 3, work / "bodies.txt", work / "load.lua")  # warm-up
        before = metrics(port)
        stop, log = threading.Event(), []
        task = tasks[0]
        admin = threading.Thread(target=admin_loop, args=(port, task, args.experts / "tasks" / f"{task}.safetensors",
                                                          args.admin_every, stop, log))
        admin.start()
        load = wrk(port, args.connections, args.wrk_threads, args.duration, work / "bodies.txt", work / "load.lua")
        stop.set()
        admin.join()
        after = metrics(port)
        single_run = wrk(port, 1, 1, args.latency_seconds, work / "single.txt", work / "load.lua")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
        if args.postgres:
            subprocess.run([str(ROOT / "scripts" / "pg" / "test-server.sh"), "stop", str(work / "pg")], capture_output=True)
    delta = {k: v - codes(before).get(k, 0) for k, v in codes(after).items() if v - codes(before).get(k, 0) > 0}
    classify_codes = {code: int(v) for (route, code), v in delta.items() if route == "/v1/classify"}
    batches = after["moecl_batch_size_count"] - before["moecl_batch_size_count"]
    sequences = after["moecl_batch_size_sum"] - before["moecl_batch_size_sum"]
    seconds = load["duration_us"] / 1e6
    mean_batch = sequences / batches if batches else 0
    (work / "texts.jsonl").write_text("".join(json.dumps({"text": t}) + "\n" for t in texts), encoding="utf-8")
    engine_cmd = [str(args.bin / "moecl"), "bench", "engine", "--texts", str(work / "texts.jsonl"), "--count", str(len(texts)),
                  "--batch", str(max(1, round(mean_batch))), "--experts", str(args.experts)]
    engine_out = subprocess.run(engine_cmd, cwd=ROOT, capture_output=True, text=True)
    if engine_out.returncode != 0:
        sys.exit(f"loadtest: moecl bench engine failed:\n{engine_out.stderr}")
    engine = json.loads(engine_out.stdout.strip().splitlines()[-1])
    server_rate = sequences / seconds
    failures = []
    errors = {k: load[k] for k in ("connect", "read", "write", "status", "timeout") if load[k]}
    if errors:
        failures.append(f"wrk errors under load: {errors}")
    if any(not c.startswith("2") for c in classify_codes):
        failures.append(f"non-2xx classify responses: {classify_codes}")
    if any(status // 100 != 2 for _, status, _ in log):
        failures.append(f"admin calls failed: {[e for e in log if e[1] // 100 != 2]}")
    if len(log) < 2:
        failures.append("fewer than two admin calls ran during the load")
    single_errors = {k: single_run[k] for k in ("connect", "read", "write", "status", "timeout") if single_run[k]}
    if single_errors:
        failures.append(f"wrk errors in the single-connection run: {single_errors}")
    result = {
        "texts": source, "tasks": tasks, "state": "postgresql" if args.postgres else "sqlite", "connections": args.connections, "duration_s": seconds,
        "max_wait_us": args.max_wait_us, "requests": load["requests"], "requests_per_s": load["requests"] / seconds,
        "latency_ms": {k: load[f"{k}_us"] / 1000 for k in ("p50", "p90", "p99", "max", "mean")},
        "classify_codes": classify_codes, "wrk_errors": errors,
        "admin": {"uploads": sum(1 for e in log if e[0] == "upload"), "rollbacks": sum(1 for e in log if e[0] == "rollback"),
                  "failed": sum(1 for e in log if e[1] // 100 != 2)},
        "server_sequences": sequences, "server_batches": batches, "mean_batch": mean_batch,
        "server_sequences_per_s": server_rate, "engine": engine,
        "server_over_engine": server_rate / engine["sequences_per_second"],
        "single": {"requests": single_run["requests"], "p50_ms": single_run["p50_us"] / 1000,
                   "p99_ms": single_run["p99_us"] / 1000},
        "failures": failures,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"## moecl load test ({args.connections} connections, {seconds:.0f} s, texts: {source}, state: {result['state']})\n")
    print("| measure | value |\n|---|---:|")
    print(f"| requests | {load['requests']} ({load['requests'] / seconds:.1f}/s) |")
    print(f"| classify responses by status | {classify_codes} |")
    print(f"| socket errors (wrk) | {errors or 0} |")
    print(f"| latency p50 / p90 / p99 / max | {load['p50_us']/1000:.1f} / {load['p90_us']/1000:.1f} / {load['p99_us']/1000:.1f} / {load['max_us']/1000:.1f} ms |")
    print(f"| hot-loads / rollbacks during the run (failed) | {result['admin']['uploads']} / {result['admin']['rollbacks']} ({result['admin']['failed']}) |")
    print(f"| server: sequences/s, mean batch | {server_rate:.1f}, {mean_batch:.1f} |")
    print(f"| engine alone at batch {engine['batch']}: sequences/s | {engine['sequences_per_second']:.1f} |")
    print(f"| server / engine | {result['server_over_engine']:.3f} |")
    print(f"| single request p50 (1 connection) | {result['single']['p50_ms']:.2f} ms |")
    print(f"| engine batch 1: classify / bare encoder | {engine['classify_1_ms']:.2f} / {engine['encoder_1_ms']:.2f} ms |")
    for f in failures:
        print(f"\nFAILED: {f}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
