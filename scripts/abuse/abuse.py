#!/usr/bin/env python3
"""Abusive clients against the real `moecl serve`, with the server's memory and a normal client's latency measured.

For SECONDS (default 30): slowloris clients (headers that never end) and trickled-TLS-style clients (a byte
every 0.5 s) that reconnect whenever they are dropped, and pipeliners that send 2,000 `GET /metrics` each and never
read: 96 of them from as many addresses, over the connection cap (--max-connections 64). Meanwhile a normal client classifies a text every
0.2 s. Prints the server's peak RSS (from /proc) and the probes' latencies.

    python3 scripts/abuse/abuse.py [--seconds 30] [--binary .build/release/moecl]
"""
import argparse, multiprocessing, os, re, socket, statistics, subprocess, sys, tempfile, threading, time, urllib.request, json

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def attack(port, stop, results):
    """96 attackers (1.5 times the cap) from as many addresses until `stop`; puts their connection counts."""
    counts = {"slow": 0, "trickle": 0, "pipeliner": 0}

    def attacker(kind, source):
        while time.time() < stop:
            try:
                s = socket.socket()
                s.bind((source, 0))
                s.settimeout(0.5)
                s.connect(("127.0.0.1", port))
                counts[kind] += 1
                if kind == "pipeliner":
                    s.sendall(b"GET /metrics HTTP/1.1\r\nHost: a\r\n\r\n" * 2000)
                elif kind == "slow":
                    s.sendall(b"GET / HTTP/1.1\r\nHost: a\r\nX-Slow: ")
                while time.time() < stop:
                    if kind == "trickle":
                        s.send(b"\x16")
                    try:
                        if s.recv(1, socket.MSG_PEEK) == b"":
                            break
                    except socket.timeout:
                        pass
                    except OSError:
                        break
                s.close()
            except OSError:
                time.sleep(0.05)

    threads = [threading.Thread(target=attacker, args=(["slow", "trickle", "pipeliner"][k % 3], f"127.0.3.{k + 1}"),
                                daemon=True) for k in range(96)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=max(0.1, stop - time.time() + 2))
    results.put(counts)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--binary", default=os.path.join(ROOT, ".build/release/moecl"))
    args = ap.parse_args()
    state = tempfile.mkdtemp(prefix="moecl-abuse-")
    server = subprocess.Popen([args.binary, "serve", "--port", "0", "--state", state, "--max-connections", "64"],
                              cwd=ROOT, stderr=subprocess.PIPE, text=True)
    port = None
    for line in server.stderr:
        m = re.search(r"listening on http://[\d.]+:(\d+)", line)
        if m:
            port = int(m.group(1))
            break
    if port is None:
        sys.exit("abuse: the server did not start")
    threading.Thread(target=lambda: [None for _ in server.stderr], daemon=True).start()
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            urllib.request.urlopen(base + "/readyz", timeout=1)
            break
        except Exception:
            time.sleep(0.1)
    idle_mb = rss_mb(server.pid)
    stop = time.time() + args.seconds
    # The attackers run in a process of their own, so that the normal client does not wait for the GIL behind
    # 96 threads (it did: the server then saw a probe connect and stay silent for 100 ms, like a silent attacker).
    results = multiprocessing.Queue()
    attackers = multiprocessing.Process(target=attack, args=(port, stop, results), daemon=True)
    attackers.start()
    latencies, failures, peak, failure_kinds = [], 0, idle_mb, {}
    body = json.dumps({"task": "sms-spam", "text": "WIN a prize now"}).encode()
    while time.time() < stop:
        start = time.time()
        try:
            req = urllib.request.Request(base + "/v1/classify", data=body, headers={"Content-Type": "application/json"})
            urllib.request.urlopen(req, timeout=5).read()
            latencies.append(time.time() - start)
        except Exception as error:  # noqa: BLE001 - every failure is counted, by kind
            failures += 1
            kind = getattr(error, "code", None) or type(getattr(error, "reason", error)).__name__
            failure_kinds[str(kind)] = failure_kinds.get(str(kind), 0) + 1
        peak = max(peak, rss_mb(server.pid))
        time.sleep(0.2)
    counts = results.get(timeout=10)
    attackers.join(timeout=5)
    peak = max(peak, rss_mb(server.pid))
    server.terminate()
    server.wait(timeout=20)
    latencies.sort()
    print(json.dumps({
        "seconds": args.seconds, "attacker_connections": counts, "idle_rss_mb": round(idle_mb, 1),
        "peak_rss_mb": round(peak, 1), "probes": len(latencies) + failures, "probe_failures": failures,
        "probe_failure_kinds": failure_kinds,
        "probe_latency_ms": {"median": round(1000 * statistics.median(latencies), 1) if latencies else None,
                             "max": round(1000 * latencies[-1], 1) if latencies else None},
    }))


if __name__ == "__main__":
    main()
