#!/usr/bin/env python3
"""`make bench-service` (issue 19, point 6): moecl serve (fp32 and --precision int8, shipped experts) beside the
service a user would build from the peers, FastAPI + onnxruntime with asyncio micro-batching (≤ 32 texts within
2 ms; fp32 and dynamically quantised int8; scripts/bench/ort_service.py), on the same request bodies (one text, one
task, from the moderation-en test splits), with wrk on the same machine: one connection (latency percentiles) and
64 connections (requests/s), --seconds each, --rounds rounds with the servers interleaved; medians over rounds.
For moecl the one-connection run is also broken down from its /metrics (issue 19, point 4): the client's mean
latency, the server's mean handler time (moecl_request_duration_seconds) and the model's mean time per batch
(moecl_inference_duration_seconds); their differences are the HTTP and socket path, and the handler's work outside
the model (JSON, tokenising, the queue hand-off, decisions, the review store).

    python3 scripts/bench/service_bench.py [--seconds 15] [--rounds 3] [--threads 2] [--bin .build/release/moecl]
Writes a Markdown table on stdout and bench-results/service.json.
"""
import argparse, json, os, random, re, socket, statistics, subprocess, sys, tempfile, threading, time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT.parent / "shared" / "data" / "moderation-en"
TASKS = ["youtube-spam", "tweeteval-hate", "sms-spam", "clickbait", "tweeteval-offensive"]
LUA = r"""
local bodies = {}
init = function(args) for line in io.lines(args[1]) do bodies[#bodies + 1] = line end end
request = function()
  return wrk.format("POST", "/v1/classify", {["Content-Type"] = "application/json"}, bodies[math.random(#bodies)])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRKJSON {"requests":%d,"duration_us":%d,"errors":%d,"non2xx":%d,'
    .. '"p50_us":%d,"p90_us":%d,"p99_us":%d,"mean_us":%.1f}\n', summary.requests, summary.duration,
    e.connect + e.read + e.write + e.timeout, e.status, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.mean))
end
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(port, proc, seconds=120):
    for _ in range(seconds * 10):
        if proc.poll() is not None:
            sys.exit(f"service_bench: a server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    sys.exit("service_bench: a server did not become ready")


def start(kind, port, a, state):
    if kind.startswith("moecl"):
        cmd = [a.bin, "serve", "--port", str(port), "--state", state, "--threads", str(a.threads)]
        cmd += ["--precision", "int8" if kind == "moecl-int8" else "fp32"]
    else:
        cmd = [sys.executable, str(ROOT / "scripts" / "bench" / "ort_service.py"), "--port", str(port),
               "--threads", str(a.threads)] + (["--int8"] if kind == "ort-int8" else [])
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    threading.Thread(target=lambda: proc.stderr.read(), daemon=True).start()
    wait_ready(port, proc)
    return proc


def wrk(port, connections, seconds, bodies, lua):
    out = subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s", "-s", lua,
                          f"http://127.0.0.1:{port}", "--", bodies], capture_output=True, text=True)
    m = re.search(r"WRKJSON (\{.*\})", out.stdout)
    if not m:
        sys.exit(f"service_bench: wrk failed:\n{out.stdout}\n{out.stderr}")
    r = json.loads(m.group(1))
    if r["errors"] or r["non2xx"]:
        sys.exit(f"service_bench: {r['errors']} socket errors, {r['non2xx']} non-2xx responses on port {port}")
    r["rps"] = r["requests"] / (r["duration_us"] / 1e6)
    return r


def scrape(port):
    """Sums and counts of moecl's request and model-time histograms (the single-request breakdown)."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as r:
        text = r.read().decode()
    values = {}
    for name, pattern in [("request", r'moecl_request_duration_seconds_(sum|count)\{[^}]*route="/v1/classify"[^}]*\} (\S+)'),
                          ("model", r'moecl_inference_duration_seconds_(sum|count)(?:\{[^}]*\})? (\S+)'),
                          ("batch", r'moecl_batch_size_(sum|count)(?:\{[^}]*\})? (\S+)')]:
        for kind, value in re.findall(pattern, text):
            values[f"{name}_{kind}"] = values.get(f"{name}_{kind}", 0.0) + float(value)
    for kind, stage, value in re.findall(r'moecl_request_stage_seconds_(sum|count)\{stage="([a-z]+)"\} (\S+)', text):
        values[f"stage:{stage}_{kind}"] = values.get(f"stage:{stage}_{kind}", 0.0) + float(value)
    return values


def breakdown(before, after, client):
    d = {k: after.get(k, 0) - before.get(k, 0) for k in after}
    mean = lambda name: d[f"{name}_sum"] / d[f"{name}_count"] * 1000 if d.get(f"{name}_count") else None
    stages = {k[len("stage:"):-len("_sum")]: mean(k[:-len("_sum")]) for k in d
              if k.startswith("stage:") and k.endswith("_sum")}
    return {"client_mean_ms": client["mean_us"] / 1000, "server_request_ms": mean("request"),
            "model_batch_ms": mean("model"), "stages_ms": stages,
            "texts_per_batch": d["batch_sum"] / d["batch_count"] if d.get("batch_count") else None}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=int, default=15)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--bin", default=str(ROOT / ".build" / "release" / "moecl"))
    ap.add_argument("--kinds", default="moecl,moecl-int8,ort,ort-int8")
    a = ap.parse_args()
    if not DATA.is_dir():
        sys.exit(f"service_bench: no texts at {DATA} (needs ../shared/data)")
    rng = random.Random(1)
    bodies = []
    for task in TASKS:
        rows = [json.loads(l) for l in open(DATA / task / "test.jsonl", encoding="utf-8")]
        bodies += [json.dumps({"task": task, "text": r["text"]}, ensure_ascii=False) for r in rows[:400]]
    rng.shuffle(bodies)
    kinds = a.kinds.split(",")
    results = {k: {"c1": [], "c64": []} for k in kinds}
    with tempfile.TemporaryDirectory() as tmp:
        body_file, lua_file = os.path.join(tmp, "bodies.txt"), os.path.join(tmp, "bench.lua")
        open(body_file, "w", encoding="utf-8").write("\n".join(bodies) + "\n")
        open(lua_file, "w").write(LUA)
        for round_ in range(a.rounds):
            for kind in kinds:
                port = free_port()
                proc = start(kind, port, a, os.path.join(tmp, f"state-{kind}-{round_}"))
                try:
                    wrk(port, 8, 3, body_file, lua_file)  # warm-up
                    time.sleep(2)  # requests the warm-up left in flight finish before the breakdown's window
                    before = scrape(port) if kind.startswith("moecl") else None
                    c1 = wrk(port, 1, a.seconds, body_file, lua_file)
                    if before is not None:
                        c1["breakdown"] = breakdown(before, scrape(port), c1)
                    results[kind]["c1"].append(c1)
                    results[kind]["c64"].append(wrk(port, 64, a.seconds, body_file, lua_file))
                finally:
                    proc.terminate()
                    proc.wait(30)
                print(f"service_bench: round {round_ + 1} {kind} done", file=sys.stderr)
    cpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
    model = re.search(r"Model name:\s*(.*)", cpu)
    med = lambda xs: statistics.median(xs)
    summary = {k: {"p50_ms": med([r["p50_us"] for r in v["c1"]]) / 1000,
                   "p99_ms": med([r["p99_us"] for r in v["c1"]]) / 1000,
                   "rps_64": med([r["rps"] for r in v["c64"]])} for k, v in results.items()}
    out = ROOT / "bench-results" / "service.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"cpu": model.group(1) if model else "?", "rounds": a.rounds, "seconds": a.seconds,
                               "threads": a.threads, "summary": summary, "runs": results}, indent=1) + "\n")
    print(f"\nCPU: {model.group(1) if model else '?'}, {os.cpu_count()} CPUs; {a.rounds} rounds × {a.seconds} s per "
          f"measurement, medians; compute threads {a.threads} per server\n")
    ref = summary.get("ort-int8")
    print("| server | 1 connection p50 | p99 | 64 connections req/s | p50 vs ORT int8 | req/s vs ORT int8 |")
    print("|---|---:|---:|---:|---:|---:|")
    for k, s in summary.items():
        rel = (f"{s['p50_ms'] / ref['p50_ms']:.2f}× | {s['rps_64'] / ref['rps_64']:.2f}×" if ref else "– | –")
        print(f"| {k} | {s['p50_ms']:.1f} ms | {s['p99_ms']:.1f} ms | {s['rps_64']:.0f} | {rel} |")
    print("\nOne connection, where moecl's time goes (means over the requests, medians over rounds): the client's "
          "latency, the server's handler (parsed request to response: JSON, tokenising, the queue hand-off, "
          "the model, decisions, the review store), and the model alone per batch.\n")
    print("| server | client mean | server handler mean | model per batch | texts per batch | outside the handler "
          "(HTTP, sockets) | handler outside the model |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for k, v in results.items():
        rows = [r["breakdown"] for r in v["c1"] if "breakdown" in r and r["breakdown"]["server_request_ms"]]
        if not rows:
            continue
        m = {key: med([r[key] for r in rows if r[key] is not None]) for key in rows[0] if key != "stages_ms"}
        print(f"| {k} | {m['client_mean_ms']:.2f} ms | {m['server_request_ms']:.2f} ms | {m['model_batch_ms']:.2f} ms "
              f"| {m['texts_per_batch']:.2f} | {m['client_mean_ms'] - m['server_request_ms']:.2f} ms | "
              f"{m['server_request_ms'] - m['model_batch_ms']:.2f} ms |")

    print("\nThe handler's stages (moecl_request_stage_seconds: means over the requests, medians over rounds; "
          "engine = submitted to scored, the queue wait and the model).\n")
    names = ["parse", "tokenize", "engine", "handoff", "decide", "store", "render"]
    print("| server | " + " | ".join(names) + " | sum |")
    print("|---|" + "---:|" * (len(names) + 1))
    for k, v in results.items():
        rows = [r["breakdown"]["stages_ms"] for r in v["c1"] if r.get("breakdown", {}).get("stages_ms")]
        if not rows:
            continue
        m = {n: med([r[n] for r in rows if r.get(n) is not None]) for n in names if any(n in r for r in rows)}
        print(f"| {k} | " + " | ".join(f"{m[n]:.3f} ms" if n in m else "–" for n in names)
              + f" | {sum(m.values()):.2f} ms |")


if __name__ == "__main__":
    main()
